CREATE CONSTRAINT compute_node_tombstone_hostname IF NOT EXISTS
FOR (t:ComputeNodeTombstone) REQUIRE t.hostname IS UNIQUE
