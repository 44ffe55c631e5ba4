// Describes each compute node as its newest nova-compute service event says (see
// batch/instance/write.cypher for how clocks are kept).
// $rows: [{hostname, properties: {...every key below...}}]
UNWIND $rows AS row
MATCH (c:ComputeNode {hostname: row.hostname})
WITH c, row.properties AS p
SET c.described = true,
    c.status = p.status,
    c.state = p.state,
    c.disabled_reason = p.disabled_reason,
    c.forced_down = p.forced_down,
    c.availability_zone = p.availability_zone,
    c.service_uuid = p.service_uuid,
    c.service_version = p.service_version,
    c.last_seen_up = datetime(p.last_seen_up),
    c.service_event_time_us = p.service_event_time_us,
    c.service_event_time_rank = p.service_event_time_rank,
    c.service_event_time_id = p.service_event_time_id,
    c.service_event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.service_event_time_us}),
    c.last_event = p.last_event
