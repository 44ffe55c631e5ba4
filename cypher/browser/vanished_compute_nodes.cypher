// Among the locked compute nodes, those browser/lock_compute_nodes made anew, deleted by a
// batch since their names were read: undescribed stubs with no edge at all, which no batch
// leaves behind (a stub exists only while an instance rests on it or an aggregate contains
// it, and every compute node a batch leaves is in an availability zone).
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
WHERE c.described = false AND NOT (c)--()
RETURN hostname
