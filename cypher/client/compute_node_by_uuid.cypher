// The compute node with this uuid (the hypervisor's, known from the API). A node whose uuid
// is not known yet answers to its hostname, as the client's objects name it (see
// cdm_graph.read.models.ComputeNode.uuid): both branches are index seeks.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more; times
// as ISO strings, so that no temporal value crosses the driver.
// $uuid: compute node uuid, or the hostname of a node without one
MATCH (c:ComputeNode {uuid: $uuid})
RETURN c.hostname AS hostname, c.uuid AS uuid, c.hypervisor_hostname AS hypervisor_hostname,
       c.status AS status, c.state AS state, c.disabled_reason AS disabled_reason,
       c.availability_zone AS availability_zone, c.described AS described,
       c.vcpus AS vcpus, c.vcpu_reserved AS vcpu_reserved, c.vcpu_ratio AS vcpu_ratio,
       c.memory_mb AS memory_mb, c.memory_mb_reserved AS memory_mb_reserved,
       c.memory_ratio AS memory_ratio, c.disk_gb AS disk_gb,
       c.disk_gb_reserved AS disk_gb_reserved, c.disk_ratio AS disk_ratio
UNION
MATCH (c:ComputeNode {hostname: $uuid})
WHERE c.uuid IS NULL
RETURN c.hostname AS hostname, c.uuid AS uuid, c.hypervisor_hostname AS hypervisor_hostname,
       c.status AS status, c.state AS state, c.disabled_reason AS disabled_reason,
       c.availability_zone AS availability_zone, c.described AS described,
       c.vcpus AS vcpus, c.vcpu_reserved AS vcpu_reserved, c.vcpu_ratio AS vcpu_ratio,
       c.memory_mb AS memory_mb, c.memory_mb_reserved AS memory_mb_reserved,
       c.memory_ratio AS memory_ratio, c.disk_gb AS disk_gb,
       c.disk_gb_reserved AS disk_gb_reserved, c.disk_ratio AS disk_ratio
