// Writes the whole state of each aggregate, as Nova's newest event describes it (see
// batch/instance/write.cypher for how clocks are kept). metadata is a sorted list of
// "key=value" strings and hosts the sorted host list of that event, both filterable:
//   MATCH (a:Aggregate) WHERE 'ssd=true' IN a.metadata
// The CONTAINS edges are drawn by link.cypher.
// $rows: [{uuid, properties: {...every key below...}}]
UNWIND $rows AS row
MATCH (a:Aggregate {uuid: row.uuid})
WITH a, row.properties AS p
SET a.id = p.id,
    a.name = p.name,
    a.metadata = p.metadata,
    a.availability_zone = p.availability_zone,
    a.hosts = p.hosts,
    a.event_time_us = p.event_time_us,
    a.event_time_rank = p.event_time_rank,
    a.event_time_id = p.event_time_id,
    a.event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.event_time_us}),
    a.last_event = p.last_event
