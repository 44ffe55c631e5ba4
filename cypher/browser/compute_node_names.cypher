// Every compute node's hostname, in the order the synchronizer locks them: the nodes whose
// display labels browser/label_compute_nodes sets.
MATCH (c:ComputeNode)
RETURN c.hostname AS hostname
ORDER BY hostname
