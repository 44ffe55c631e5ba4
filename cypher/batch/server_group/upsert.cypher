// Writes the whole state of each server group, as Nova's newest event describes it. Every
// property is named: a property set to null is removed. rules is a list of "key=value" and
// members a sorted list of instance uuids, both filterable in Cypher:
//   MATCH (g:ServerGroup) WHERE 'max_server_per_host=3' IN g.rules
// The clock comes as its stamp (see batch/instance/write.cypher) and is kept as a
// LocalDateTime for analysts.
// $rows: [{uuid, properties: {...every key below...}}]
UNWIND $rows AS row
MATCH (g:ServerGroup {uuid: row.uuid})
WITH g, row.properties AS p
SET g.name = p.name,
    g.project_id = p.project_id,
    g.user_id = p.user_id,
    g.policy = p.policy,
    g.rules = p.rules,
    g.members = p.members,
    g.event_time_us = p.event_time_us,
    g.event_time_rank = p.event_time_rank,
    g.event_time_id = p.event_time_id,
    g.event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.event_time_us}),
    g.last_event = p.last_event
