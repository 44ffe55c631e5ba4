// The instances of one flavor, with the hostname of the compute node hosting each (null:
// no host), for the graph client.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more; times
// as ISO strings, so that no temporal value crosses the driver.
// $flavorid: the flavor's flavor id
MATCH (i:Instance)-[:OF_FLAVOR]->(:Flavor {flavorid: $flavorid})
WHERE i.event_time_us IS NOT NULL
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN i.uuid AS uuid, i.name AS name, i.state AS state, i.memory_mb AS memory_mb,
       i.disk_gb AS disk_gb, i.vcpus AS vcpus, i.project_id AS project_id, i.locked AS locked,
       i.metadata AS metadata, i.extra_specs AS extra_specs, i.flavor_id AS flavor_id,
       i.node AS node,
       toString(i.created_at) AS created_at, c.hostname AS host
ORDER BY i.uuid
