// Watcher looks compute nodes up by their uuid (known from the API).
CREATE RANGE INDEX compute_node_uuid IF NOT EXISTS
FOR (c:ComputeNode) ON (c.uuid)
