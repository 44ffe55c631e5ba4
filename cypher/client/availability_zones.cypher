// Availability zones with the hostnames of their compute nodes, for the graph client: all of
// them, one by name, or those of one host. Zones are few; they are filtered, not indexed.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $zone (optional): only the zone of this name
// $hostname (optional): only the zones of this compute node
MATCH (z:AvailabilityZone)
WHERE ($zone IS NULL OR z.name = $zone)
  AND ($hostname IS NULL OR EXISTS { (z)-[:CONTAINS]->(:ComputeNode {hostname: $hostname}) })
OPTIONAL MATCH (z)-[:CONTAINS]->(c:ComputeNode)
WITH z, c ORDER BY c.hostname
RETURN z.name AS name, collect(c.hostname) AS hosts
ORDER BY name
