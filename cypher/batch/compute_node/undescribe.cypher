// A compute node deleted after its last description keeps only its key: it stays, as a stub
// (described = false), only while instances placed after the deletion rest on it. What a
// reconcile wrote of its hypervisor goes too: a new service on the host is a new compute node.
// $keys: hostnames
MATCH (c:ComputeNode)
WHERE c.hostname IN $keys
SET c.described = false,
    c.status = null,
    c.state = null,
    c.disabled_reason = null,
    c.forced_down = null,
    c.availability_zone = null,
    c.service_uuid = null,
    c.service_version = null,
    c.last_seen_up = null,
    c.service_event_time = null,
    c.service_event_time_us = null,
    c.service_event_time_rank = null,
    c.service_event_time_id = null,
    c.last_event = null,
    c.uuid = null,
    c.hypervisor_hostname = null,
    c.vcpus = null,
    c.vcpu_reserved = null,
    c.vcpu_ratio = null,
    c.memory_mb = null,
    c.memory_mb_reserved = null,
    c.memory_ratio = null,
    c.disk_gb = null,
    c.disk_gb_reserved = null,
    c.disk_ratio = null,
    c.capacity_time = null,
    c.capacity_time_us = null,
    c.capacity_time_rank = null,
    c.capacity_time_id = null
