// Every instance, with the hostname of the compute node hosting it (null: no host).
// Placeholders of a batch under way (no event_time yet) are not instances.
// No parameters.
MATCH (i:Instance)
WHERE i.event_time IS NOT NULL
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN properties(i) AS instance, c.hostname AS hostname
ORDER BY i.uuid
