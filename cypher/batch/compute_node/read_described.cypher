// The stored description of compute nodes whose newest event lacks some of it (a
// reconcile's: /os-services does not show the service version), so that the graph keeps it.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN hostname, properties(c) AS properties
