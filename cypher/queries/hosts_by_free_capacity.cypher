// Hosts by free capacity: how much vCPU, memory and disk each compute node has left, most
// room first. Capacity as Watcher computes it, (total - reserved) * allocation ratio; free is
// capacity less what the node's instances use, negative when it is overcommitted. A resource
// whose total was never read from the API (see `cdm-graph reconcile`) has an unknown
// capacity: its free column is null (printed as -), never a guess, and such hosts come last.
// Parameters:
//   $resource (vcpu|memory|disk, default vcpu): the free resource to sort by
//   $limit (int, default 20): at most this many hosts
MATCH (c:ComputeNode)
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
WITH c, count(i) AS instances, sum(i.vcpus) AS used_vcpus, sum(i.memory_mb) AS used_memory_mb,
     sum(i.disk_gb) AS used_disk_gb
WITH c, instances, used_vcpus, used_memory_mb, used_disk_gb,
     CASE WHEN c.vcpus IS NOT NULL
       THEN (c.vcpus - coalesce(c.vcpu_reserved, 0)) * coalesce(c.vcpu_ratio, 1.0) END
       AS vcpu_capacity,
     CASE WHEN c.memory_mb IS NOT NULL
       THEN (c.memory_mb - coalesce(c.memory_mb_reserved, 0)) * coalesce(c.memory_ratio, 1.0)
     END AS memory_mb_capacity,
     CASE WHEN c.disk_gb IS NOT NULL
       THEN (c.disk_gb - coalesce(c.disk_gb_reserved, 0)) * coalesce(c.disk_ratio, 1.0) END
       AS disk_gb_capacity
WITH c, instances,
     vcpu_capacity - used_vcpus AS free_vcpus,
     memory_mb_capacity - used_memory_mb AS free_memory_mb,
     disk_gb_capacity - used_disk_gb AS free_disk_gb
WITH c, instances, free_vcpus, free_memory_mb, free_disk_gb,
     CASE $resource
       WHEN 'memory' THEN free_memory_mb
       WHEN 'disk' THEN free_disk_gb
       ELSE free_vcpus
     END AS free
RETURN c.hostname AS hostname, c.status AS status, c.state AS state, instances,
       free_vcpus, free_memory_mb, free_disk_gb
// Descending order puts nulls first: unknown capacity is sorted after every known one.
ORDER BY free IS NULL, free DESC, hostname
LIMIT $limit
