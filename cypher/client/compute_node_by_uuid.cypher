// The compute node with this uuid (the hypervisor's, known from the API). A node whose uuid
// is not known yet answers to its hostname, as the client's objects name it (see
// cdm_graph.read.models.ComputeNode.uuid): both branches are index seeks.
// $uuid: compute node uuid, or the hostname of a node without one
MATCH (c:ComputeNode {uuid: $uuid})
RETURN properties(c) AS node
UNION
MATCH (c:ComputeNode {hostname: $uuid})
WHERE c.uuid IS NULL
RETURN properties(c) AS node
