// Every compute node, described or known only from instance events, for the graph client.
// No parameters.
MATCH (c:ComputeNode)
RETURN properties(c) AS node
ORDER BY c.hostname
