// A compute node is the nova-compute service of one host: every MERGE on it is an index seek.
CREATE CONSTRAINT compute_node_hostname IF NOT EXISTS
FOR (c:ComputeNode) REQUIRE c.hostname IS UNIQUE
