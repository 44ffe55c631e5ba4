// Every instance event: the newest event's view of the instance replaces the properties
// (metadata and extra_specs keys that disappeared go too), unless the graph holds a newer
// event or a newer deletion. What is known of its host is kept: it has its own clock.
// $rows: [{uuid, event_time, event_type, properties}]
UNWIND $rows AS row
OPTIONAL MATCH (t:InstanceTombstone {uuid: row.uuid})
WITH row, t
WHERE t IS NULL OR row.event_time > t.deleted_at
// MERGE, not MATCH: a deletion earlier in the same batch may have removed the locked node.
MERGE (i:Instance {uuid: row.uuid})
WITH i, row
WHERE i.event_time IS NULL OR row.event_time > i.event_time
WITH i, row, row.properties AS properties
SET i = properties {
    .*,
    uuid: row.uuid,
    event_time: row.event_time,
    last_event: row.event_type,
    host: i.host,
    node: i.node,
    host_since: i.host_since,
    authoritative_at: i.authoritative_at,
    authoritative_host: i.authoritative_host,
    authoritative_node: i.authoritative_node,
    hinted_at: i.hinted_at,
    hinted_host: i.hinted_host,
    hinted_node: i.hinted_node
}
