// Instances of a flavor: every instance of the graph whose flavor is this one (by the
// flavor's id or name), with its host and state: what a change or deletion of the flavor
// concerns. Each instance's sizes are its own, what it was built with.
// Parameters:
//   $flavor (string): the flavor's flavorid or name
MATCH (i:Instance)-[:OF_FLAVOR]->(f:Flavor)
WHERE f.flavorid = $flavor OR f.name = $flavor
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN f.flavorid AS flavorid, f.name AS flavor_name, i.uuid AS instance_uuid,
       i.name AS instance_name, i.state AS state, i.project_id AS project_id,
       c.hostname AS hostname, i.vcpus AS vcpus, i.memory_mb AS memory_mb,
       i.disk_gb AS disk_gb
ORDER BY flavorid, instance_name, instance_uuid
