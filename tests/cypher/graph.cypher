// Every element with its properties, and each compute node's HOSTS edges with theirs: the whole graph
// as plain data, to compare graphs and assert on them.
MATCH (c:ComputeNode)
OPTIONAL MATCH (c)-[r:HOSTS]->(i:Instance)
RETURN 'ComputeNode' AS label, c.hostname AS key, properties(c) AS props,
       collect({uuid: i.uuid, props: properties(r)}) AS hosts
UNION ALL
MATCH (i:Instance)
RETURN 'Instance' AS label, i.uuid AS key, properties(i) AS props, [] AS hosts
UNION ALL
MATCH (t:InstanceTombstone)
RETURN 'InstanceTombstone' AS label, t.uuid AS key, properties(t) AS props, [] AS hosts
UNION ALL
MATCH (t:ComputeNodeTombstone)
RETURN 'ComputeNodeTombstone' AS label, t.hostname AS key, properties(t) AS props, [] AS hosts
