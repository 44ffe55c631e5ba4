// Every element with its properties, each compute node's HOSTS edges with theirs, and each
// instance's OF_FLAVOR edges (the flavor ids they reach): the whole graph as plain data, to
// compare graphs and assert on them.
MATCH (c:ComputeNode)
OPTIONAL MATCH (c)-[r:HOSTS]->(i:Instance)
RETURN 'ComputeNode' AS label, c.hostname AS key, properties(c) AS props,
       collect({uuid: i.uuid, props: properties(r)}) AS hosts, [] AS flavors
UNION ALL
MATCH (i:Instance)
RETURN 'Instance' AS label, i.uuid AS key, properties(i) AS props, [] AS hosts,
       [(i)-[:OF_FLAVOR]->(f:Flavor) | f.flavorid] AS flavors
UNION ALL
MATCH (t:InstanceTombstone)
RETURN 'InstanceTombstone' AS label, t.uuid AS key, properties(t) AS props, [] AS hosts,
       [] AS flavors
UNION ALL
MATCH (t:ComputeNodeTombstone)
RETURN 'ComputeNodeTombstone' AS label, t.hostname AS key, properties(t) AS props, [] AS hosts,
       [] AS flavors
UNION ALL
MATCH (f:Flavor)
RETURN 'Flavor' AS label, f.flavorid AS key, properties(f) AS props, [] AS hosts,
       [] AS flavors
UNION ALL
MATCH (t:FlavorTombstone)
RETURN 'FlavorTombstone' AS label, t.flavorid AS key, properties(t) AS props, [] AS hosts,
       [] AS flavors
