// Writes what the compute API and Placement say of each compute node's hypervisor: its uuid,
// its name and its capacity, with capacity_time, the stamp of the listing (the time it began,
// see batch/instance/write.cypher for clocks). No notification carries these, so they have
// their own clock; the reconcile (cdm_graph.reconcile) has already chosen, under lock, the
// rows newer than what each node holds.
// $rows: [{hostname, time_us, time_rank, time_id, properties: {...every key below...}}] (the
// row's names differ from the properties set: reading a name one also sets plans an Eager)
UNWIND $rows AS row
MATCH (c:ComputeNode {hostname: row.hostname})
WITH c, row.properties AS p, row.time_us AS time_us, row.time_rank AS time_rank,
     row.time_id AS time_id
SET c.uuid = p.uuid,
    c.hypervisor_hostname = p.hypervisor_hostname,
    c.vcpus = p.vcpus,
    c.vcpu_reserved = p.vcpu_reserved,
    c.vcpu_ratio = p.vcpu_ratio,
    c.memory_mb = p.memory_mb,
    c.memory_mb_reserved = p.memory_mb_reserved,
    c.memory_ratio = p.memory_ratio,
    c.disk_gb = p.disk_gb,
    c.disk_gb_reserved = p.disk_gb_reserved,
    c.disk_ratio = p.disk_ratio,
    c.capacity_time_us = time_us,
    c.capacity_time_rank = time_rank,
    c.capacity_time_id = time_id,
    c.capacity_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: time_us})
