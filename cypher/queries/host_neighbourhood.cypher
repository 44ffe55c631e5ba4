// The neighbourhood of one host: each instance it hosts, and the other hosts where that
// instance's project also runs instances (what an outage of this host touches, and where
// the same tenants live). A host without instances gives one row with its status only.
// Parameters:
//   $hostname (string): the compute node's hostname
MATCH (c:ComputeNode {hostname: $hostname})
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
OPTIONAL MATCH (peer:ComputeNode)-[:HOSTS]->(:Instance {project_id: i.project_id})
WHERE peer <> c
WITH c, i, peer ORDER BY peer.hostname
WITH c, i, collect(DISTINCT peer.hostname) AS peers
RETURN c.hostname AS hostname, c.status AS status, c.state AS state,
       i.uuid AS instance_uuid, i.name AS instance_name, i.state AS instance_state,
       i.project_id AS project_id, i.vcpus AS vcpus, i.memory_mb AS memory_mb,
       i.disk_gb AS disk_gb, peers AS project_peer_hosts
ORDER BY instance_name, instance_uuid
