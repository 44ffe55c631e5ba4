// Among these hosts, the compute nodes known only from instance or aggregate events that
// nothing holds any more: a stub exists only while an instance rests on it or an aggregate
// contains it.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
WHERE c.described = false AND NOT (c)-[:HOSTS]->() AND NOT (c)<-[:CONTAINS]-(:Aggregate)
RETURN hostname
