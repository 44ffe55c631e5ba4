// The instances one compute node hosts.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more; times
// as ISO strings, so that no temporal value crosses the driver.
// $hostname: the compute node's hostname
MATCH (:ComputeNode {hostname: $hostname})-[:HOSTS]->(i:Instance)
RETURN i.uuid AS uuid, i.name AS name, i.state AS state, i.memory_mb AS memory_mb,
       i.disk_gb AS disk_gb, i.vcpus AS vcpus, i.project_id AS project_id, i.locked AS locked,
       i.metadata AS metadata, i.extra_specs AS extra_specs, i.flavor_id AS flavor_id,
       i.node AS node,
       toString(i.created_at) AS created_at, $hostname AS host
ORDER BY i.uuid
