// One instance, with the compute node hosting it (null: no host).
// $uuid: the instance's uuid
MATCH (i:Instance {uuid: $uuid})
WHERE i.event_time IS NOT NULL
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN properties(i) AS instance, c.hostname AS hostname, properties(c) AS node
