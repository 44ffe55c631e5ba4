// Tombstone expiry looks tombstones up by age.
CREATE RANGE INDEX aggregate_tombstone_deleted_at_us IF NOT EXISTS
FOR (t:AggregateTombstone) ON (t.deleted_at_us)
