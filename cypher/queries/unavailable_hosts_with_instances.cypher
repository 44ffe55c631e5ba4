// Disabled or down hosts that still host instances: the instances an operator may want to
// move (a disabled host takes no new instances; a down one may have lost its own).
// No parameters.
MATCH (c:ComputeNode)
WHERE c.status = 'disabled' OR c.state = 'down'
MATCH (c)-[:HOSTS]->(i:Instance)
WITH c, i ORDER BY i.name, i.uuid
RETURN c.hostname AS hostname, c.status AS status, c.state AS state,
       c.disabled_reason AS disabled_reason, count(i) AS instances,
       collect(coalesce(i.name, i.uuid)) AS instance_names
ORDER BY hostname
