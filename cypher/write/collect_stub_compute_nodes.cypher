// A compute node known only from instance events exists while it hosts something: removes
// the undescribed ones among these hosts that host nothing.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
WHERE c.described = false AND NOT (c)-[:HOSTS]->()
DETACH DELETE c
