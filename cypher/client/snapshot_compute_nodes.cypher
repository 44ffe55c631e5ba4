// Every compute node, described or known only from instance events, for the whole-model
// snapshot (GraphClient.snapshot): one row holding a map per node, in hostname order, rather
// than a record per node (see snapshot_instances.cypher). "c.hostname IS NOT NULL" (every
// node has one) reads them through the hostname index, in its order: no sort.
// Keys: the fields the client's read models take (cdm_graph.read.models.ComputeNode.from_graph),
// as client/compute_nodes returns them.
// No parameters.
MATCH (c:ComputeNode)
WHERE c.hostname IS NOT NULL
WITH c ORDER BY c.hostname
RETURN collect(c {.hostname, .uuid, .hypervisor_hostname, .status, .state, .disabled_reason,
                  .availability_zone, .described, .vcpus, .vcpu_reserved, .vcpu_ratio,
                  .memory_mb, .memory_mb_reserved, .memory_ratio, .disk_gb, .disk_gb_reserved,
                  .disk_ratio}) AS compute_nodes
