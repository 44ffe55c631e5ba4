// Overcommitted hosts: compute nodes whose instances ask for more vCPU, memory or disk than
// the node's capacity as Watcher computes it, (total - reserved) * allocation ratio. A
// resource is judged only where the node's total is known from the API: a node not yet
// reconciled is not reported for lack of data. The *_load columns are used / capacity.
// Parameters:
//   $threshold (float, default 1.0): report a resource used beyond this fraction of capacity
MATCH (c:ComputeNode)-[:HOSTS]->(i:Instance)
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
WHERE used_vcpus > vcpu_capacity * $threshold
   OR used_memory_mb > memory_mb_capacity * $threshold
   OR used_disk_gb > disk_gb_capacity * $threshold
RETURN c.hostname AS hostname, instances,
       used_vcpus, vcpu_capacity,
       CASE WHEN vcpu_capacity > 0 THEN round(used_vcpus / vcpu_capacity, 2) END AS vcpu_load,
       used_memory_mb, memory_mb_capacity,
       CASE WHEN memory_mb_capacity > 0
         THEN round(used_memory_mb / memory_mb_capacity, 2) END AS memory_load,
       used_disk_gb, disk_gb_capacity,
       CASE WHEN disk_gb_capacity > 0 THEN round(used_disk_gb / disk_gb_capacity, 2) END
         AS disk_load
ORDER BY hostname
