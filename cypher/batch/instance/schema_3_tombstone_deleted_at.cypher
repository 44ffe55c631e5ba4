// Tombstone expiry looks tombstones up by age.
CREATE RANGE INDEX instance_tombstone_deleted_at_us IF NOT EXISTS
FOR (t:InstanceTombstone) ON (t.deleted_at_us)
