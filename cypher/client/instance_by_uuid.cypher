// One instance, with the compute node hosting it (host and compute_node null: no host).
// Columns: the fields the client's read models take (cdm_graph.read.models), no more; times
// as ISO strings, so that no temporal value crosses the driver.
// $uuid: the instance's uuid
MATCH (i:Instance {uuid: $uuid})
WHERE i.event_time_us IS NOT NULL
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN i.uuid AS uuid, i.name AS name, i.state AS state, i.memory_mb AS memory_mb,
       i.disk_gb AS disk_gb, i.vcpus AS vcpus, i.project_id AS project_id, i.locked AS locked,
       i.metadata AS metadata, i.extra_specs AS extra_specs, i.flavor_id AS flavor_id,
       i.node AS node,
       toString(i.created_at) AS created_at,
       c.hostname AS host,
       c {.hostname, .uuid, .hypervisor_hostname, .status, .state, .disabled_reason, .availability_zone,
          .described, .vcpus, .vcpu_reserved, .vcpu_ratio, .memory_mb, .memory_mb_reserved, .memory_ratio, .disk_gb, .disk_gb_reserved, .disk_ratio} AS compute_node
