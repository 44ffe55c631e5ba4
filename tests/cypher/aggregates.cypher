// Every aggregate and availability zone with its properties and the hosts it CONTAINS, and
// the aggregates' tombstones: the aggregate family's share of the graph as plain data.
MATCH (a:Aggregate)
RETURN 'Aggregate' AS label, a.uuid AS key,
       a {.*, contains: [(a)-[:CONTAINS]->(c:ComputeNode) | c.hostname]} AS props
UNION ALL
MATCH (t:AggregateTombstone)
RETURN 'AggregateTombstone' AS label, t.uuid AS key, properties(t) AS props
UNION ALL
MATCH (z:AvailabilityZone)
RETURN 'AvailabilityZone' AS label, z.name AS key,
       z {.*, contains: [(z)-[:CONTAINS]->(c:ComputeNode) | c.hostname]} AS props
