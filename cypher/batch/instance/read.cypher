// What the guards need of the instances a batch touches (locked, so present: a placeholder
// has no event_time_us): the time of their description, their placements, their tombstone
// and their HOSTS edge. Times are integers (microseconds since the epoch): no temporal value
// crosses the driver. The description itself is read only where an event lacks some of it
// (read_described.cypher).
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
OPTIONAL MATCH (t:InstanceTombstone {uuid: uuid})
OPTIONAL MATCH (c:ComputeNode)-[r:HOSTS]->(i)
RETURN uuid, i.event_time_us AS event_time_us, i.last_event AS last_event,
       i.host AS host, i.node AS node, i.host_since_us AS host_since_us,
       i.authoritative_at_us AS authoritative_at_us,
       i.authoritative_host AS authoritative_host, i.authoritative_node AS authoritative_node,
       i.hinted_at_us AS hinted_at_us, i.hinted_host AS hinted_host, i.hinted_node AS hinted_node,
       t.deleted_at_us AS deleted_at_us, c.hostname AS hostname, r.since_us AS since_us
