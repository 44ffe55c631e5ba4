// What compute nodes being deleted hold, read before any lock and again under lock:
// - the instances on each, with the stamp of each one's placement there ([since_us,
//   since_rank, since_id], see batch/instance/read.cypher): the deletion unhosts those
//   placed before it;
// - the aggregates containing each: the deletion drops the CONTAINS edges an aggregate
//   event older than it drew, so the batch locks those aggregates too (in the registry's
//   order, after compute nodes).
// A compute node the graph does not hold gives no row.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN hostname,
       [(c)-[r:HOSTS]->(:Instance) | [r.instance, [r.since_us, r.since_rank, r.since_id]]]
         AS hosted,
       [(a:Aggregate)-[:CONTAINS]->(c) | a.uuid] AS containing
