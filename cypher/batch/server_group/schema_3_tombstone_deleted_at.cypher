// Tombstone expiry looks tombstones up by age.
CREATE RANGE INDEX server_group_tombstone_deleted_at_us IF NOT EXISTS
FOR (t:ServerGroupTombstone) ON (t.deleted_at_us)
