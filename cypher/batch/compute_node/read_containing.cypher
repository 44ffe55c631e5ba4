// The aggregates containing compute nodes being deleted: the deletion drops the CONTAINS
// edges an aggregate event older than it drew, so the batch locks those aggregates too (in
// the registry's order, after compute nodes). Read before any lock, and again under lock.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (a:Aggregate)-[:CONTAINS]->(:ComputeNode {hostname: hostname})
RETURN DISTINCT a.uuid AS uuid
