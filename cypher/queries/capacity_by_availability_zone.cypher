// Capacity by availability zone: per zone, its compute nodes, their instances, and the vCPU,
// memory and disk capacity (as Watcher computes it: (total - reserved) * allocation ratio),
// used and free. Only nodes whose capacity a reconcile read from the API count towards
// capacity and free; the others are counted in unknown_capacity_nodes, and free is null
// when no node of the zone has a known capacity (never a negative guess).
// Parameters:
//   $zone (string, optional): only this zone
MATCH (z:AvailabilityZone)
WHERE $zone IS NULL OR z.name = $zone
OPTIONAL MATCH (z)-[:CONTAINS]->(c:ComputeNode)
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
WITH z, c, count(i) AS instances, sum(i.vcpus) AS used_vcpus,
     sum(i.memory_mb) AS used_memory_mb, sum(i.disk_gb) AS used_disk_gb
WITH z, c, instances, used_vcpus, used_memory_mb, used_disk_gb,
     c.vcpus IS NOT NULL AND c.memory_mb IS NOT NULL AND c.disk_gb IS NOT NULL AS known
WITH z,
     count(c) AS nodes,
     sum(CASE WHEN c IS NOT NULL AND NOT known THEN 1 ELSE 0 END) AS unknown_capacity_nodes,
     sum(instances) AS instances,
     sum(used_vcpus) AS used_vcpus, sum(used_memory_mb) AS used_memory_mb,
     sum(used_disk_gb) AS used_disk_gb,
     sum(CASE WHEN known THEN used_vcpus ELSE 0 END) AS known_used_vcpus,
     sum(CASE WHEN known THEN used_memory_mb ELSE 0 END) AS known_used_memory_mb,
     sum(CASE WHEN known THEN used_disk_gb ELSE 0 END) AS known_used_disk_gb,
     collect(CASE WHEN known
       THEN (c.vcpus - coalesce(c.vcpu_reserved, 0)) * coalesce(c.vcpu_ratio, 1.0) END)
       AS vcpu_capacities,
     collect(CASE WHEN known
       THEN (c.memory_mb - coalesce(c.memory_mb_reserved, 0)) * coalesce(c.memory_ratio, 1.0)
     END) AS memory_mb_capacities,
     collect(CASE WHEN known
       THEN (c.disk_gb - coalesce(c.disk_gb_reserved, 0)) * coalesce(c.disk_ratio, 1.0) END)
       AS disk_gb_capacities
WITH z, nodes, unknown_capacity_nodes, instances, used_vcpus, used_memory_mb, used_disk_gb,
     known_used_vcpus, known_used_memory_mb, known_used_disk_gb,
     CASE WHEN size(vcpu_capacities) > 0
       THEN reduce(total = 0.0, x IN vcpu_capacities | total + x) END AS vcpu_capacity,
     CASE WHEN size(memory_mb_capacities) > 0
       THEN reduce(total = 0.0, x IN memory_mb_capacities | total + x) END AS memory_mb_capacity,
     CASE WHEN size(disk_gb_capacities) > 0
       THEN reduce(total = 0.0, x IN disk_gb_capacities | total + x) END AS disk_gb_capacity
RETURN z.name AS zone, nodes, unknown_capacity_nodes, instances,
       vcpu_capacity, used_vcpus, vcpu_capacity - known_used_vcpus AS free_vcpus,
       memory_mb_capacity, used_memory_mb,
       memory_mb_capacity - known_used_memory_mb AS free_memory_mb,
       disk_gb_capacity, used_disk_gb, disk_gb_capacity - known_used_disk_gb AS free_disk_gb
ORDER BY zone
