// Tombstone expiry looks tombstones up by age.
CREATE RANGE INDEX flavor_tombstone_deleted_at_us IF NOT EXISTS
FOR (t:FlavorTombstone) ON (t.deleted_at_us)
