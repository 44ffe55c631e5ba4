// service.create / service.update of nova-compute: describes the compute node, unless the
// graph already holds a newer description or a newer deletion (Nova's clock decides).
// $rows: [{hostname, event_time, event_type, properties}]
UNWIND $rows AS row
OPTIONAL MATCH (t:ComputeNodeTombstone {hostname: row.hostname})
WITH row, t
WHERE t IS NULL OR row.event_time > t.deleted_at
MATCH (c:ComputeNode {hostname: row.hostname})
WHERE c.service_event_time IS NULL OR row.event_time > c.service_event_time
SET c += row.properties,
    c.described = true,
    c.service_event_time = row.event_time,
    c.last_event = row.event_type
