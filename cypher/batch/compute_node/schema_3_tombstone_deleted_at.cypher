CREATE RANGE INDEX compute_node_tombstone_deleted_at_us IF NOT EXISTS
FOR (t:ComputeNodeTombstone) ON (t.deleted_at_us)
