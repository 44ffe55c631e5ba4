// The elements of the aggregate, zone, server group and flavor families with their properties,
// each with the keys of what it links to (an aggregate's or zone's compute nodes, a group's
// members, a flavor's instances), and their tombstones: as plain data, to assert on them.
MATCH (a:Aggregate)
OPTIONAL MATCH (a)-[:CONTAINS]->(c:ComputeNode)
RETURN 'Aggregate' AS label, a.uuid AS key, properties(a) AS props, collect(c.hostname) AS linked
UNION ALL
MATCH (z:AvailabilityZone)
OPTIONAL MATCH (z)-[:CONTAINS]->(c:ComputeNode)
RETURN 'AvailabilityZone' AS label, z.name AS key, properties(z) AS props,
       collect(c.hostname) AS linked
UNION ALL
MATCH (g:ServerGroup)
OPTIONAL MATCH (g)-[:HAS_MEMBER]->(i:Instance)
RETURN 'ServerGroup' AS label, g.uuid AS key, properties(g) AS props, collect(i.uuid) AS linked
UNION ALL
MATCH (f:Flavor)
OPTIONAL MATCH (i:Instance)-[:OF_FLAVOR]->(f)
RETURN 'Flavor' AS label, f.flavorid AS key, properties(f) AS props, collect(i.uuid) AS linked
UNION ALL
MATCH (t:AggregateTombstone)
RETURN 'AggregateTombstone' AS label, t.uuid AS key, properties(t) AS props, [] AS linked
UNION ALL
MATCH (t:ServerGroupTombstone)
RETURN 'ServerGroupTombstone' AS label, t.uuid AS key, properties(t) AS props, [] AS linked
UNION ALL
MATCH (t:FlavorTombstone)
RETURN 'FlavorTombstone' AS label, t.flavorid AS key, properties(t) AS props, [] AS linked
