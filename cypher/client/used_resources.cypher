// What the instances on one compute node use, as Watcher sums it: vCPUs, memory (MB) and
// disk (GB, as cdm_graph.events.instance_disk_gb counts it). No row if there is no such node.
// $hostname: the compute node's hostname
MATCH (c:ComputeNode {hostname: $hostname})
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
RETURN coalesce(sum(i.vcpus), 0) AS vcpu,
       coalesce(sum(i.memory_mb), 0) AS memory,
       coalesce(sum(i.disk_gb), 0) AS disk
