// Compute nodes known only from instance events: a host named by an instance that no
// nova-compute service event, nor the compute API, ever described. Its status, state and
// capacity are unknown until one does (`cdm-graph reconcile`).
// No parameters.
MATCH (c:ComputeNode)
WHERE c.described = false
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
RETURN c.hostname AS hostname, count(i) AS instances, min(i.host_since) AS first_placed,
       max(i.host_since) AS last_placed
ORDER BY hostname
