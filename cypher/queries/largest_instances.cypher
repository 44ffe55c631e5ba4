// The largest instances, by vCPUs, memory or disk, with their flavor and host (null: none).
// Parameters:
//   $resource (vcpu|memory|disk, default memory): the size to sort by
//   $limit (int, default 10): at most this many instances
MATCH (i:Instance)
WHERE i.event_time IS NOT NULL
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN i.uuid AS uuid, i.name AS name, i.project_id AS project_id,
       i.flavor_name AS flavor, i.vcpus AS vcpus, i.memory_mb AS memory_mb,
       i.disk_gb AS disk_gb, c.hostname AS hostname
ORDER BY CASE $resource
           WHEN 'vcpu' THEN i.vcpus
           WHEN 'disk' THEN i.disk_gb
           ELSE i.memory_mb
         END DESC, uuid
LIMIT $limit
