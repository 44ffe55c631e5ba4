// Hosts of an aggregate: the compute nodes a host aggregate contains, named by the
// aggregate's name or uuid, with each node's status, state, availability zones and instance
// count. An aggregate with no hosts gives one row with a null hostname.
// Parameters:
//   $aggregate (string): the aggregate's name or uuid
MATCH (a:Aggregate)
WHERE a.uuid = $aggregate OR a.name = $aggregate
OPTIONAL MATCH (a)-[:CONTAINS]->(c:ComputeNode)
OPTIONAL MATCH (z:AvailabilityZone)-[:CONTAINS]->(c)
WITH a, c, collect(DISTINCT z.name) AS zones
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
RETURN a.name AS aggregate, a.uuid AS aggregate_uuid, a.availability_zone AS aggregate_zone,
       c.hostname AS hostname, c.status AS status, c.state AS state,
       CASE WHEN c IS NULL THEN [] ELSE zones END AS zones, count(i) AS instances
ORDER BY aggregate, aggregate_uuid, hostname
