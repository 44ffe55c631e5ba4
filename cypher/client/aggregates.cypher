// Host aggregates with the hostnames of the compute nodes each contains (its CONTAINS
// edges), for the graph client: all of them, one by uuid or name, or those containing one
// host. Aggregates are few (an operator creates each), so they are filtered, not indexed.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $uuid_or_name (optional): only the aggregate with this uuid or name
// $hostname (optional): only the aggregates containing this compute node
MATCH (a:Aggregate)
WHERE ($uuid_or_name IS NULL OR a.uuid = $uuid_or_name OR a.name = $uuid_or_name)
  AND ($hostname IS NULL OR EXISTS { (a)-[:CONTAINS]->(:ComputeNode {hostname: $hostname}) })
OPTIONAL MATCH (a)-[:CONTAINS]->(c:ComputeNode)
WITH a, c ORDER BY c.hostname
WITH a, collect(c.hostname) AS hosts
RETURN a.uuid AS uuid, a.name AS name, a.id AS id, a.availability_zone AS availability_zone,
       a.metadata AS metadata, hosts
ORDER BY CASE WHEN $uuid_or_name IS NOT NULL AND a.uuid = $uuid_or_name THEN 0 ELSE 1 END,
         name, uuid
