// The compute nodes of these hostnames that the graph holds (the hosts of an aggregate or
// of an availability zone), for the graph client.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $hostnames: hostnames
UNWIND $hostnames AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN c.hostname AS hostname, c.uuid AS uuid, c.hypervisor_hostname AS hypervisor_hostname,
       c.status AS status, c.state AS state, c.disabled_reason AS disabled_reason,
       c.availability_zone AS availability_zone, c.described AS described,
       c.vcpus AS vcpus, c.vcpu_reserved AS vcpu_reserved, c.vcpu_ratio AS vcpu_ratio,
       c.memory_mb AS memory_mb, c.memory_mb_reserved AS memory_mb_reserved,
       c.memory_ratio AS memory_ratio, c.disk_gb AS disk_gb,
       c.disk_gb_reserved AS disk_gb_reserved, c.disk_ratio AS disk_ratio
ORDER BY c.hostname
