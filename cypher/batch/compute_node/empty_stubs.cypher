// Among these hosts, the compute nodes known only from instance events that host nothing any
// more: a stub exists only while an instance rests on it.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
WHERE c.described = false AND NOT (c)-[:HOSTS]->()
RETURN hostname
