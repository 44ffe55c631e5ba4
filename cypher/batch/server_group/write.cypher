// Writes each server group the batch describes or whose members it links, in one pass:
// - its whole state, as Nova's newest event describes it (properties; null: no new
//   description). Every property is named: a property set to null is removed. rules is a
//   list of "key=value" and members a sorted list of instance uuids, both filterable in
//   Cypher:
//     MATCH (g:ServerGroup) WHERE 'max_server_per_host=3' IN g.rules
//   The clock comes as its stamp (see batch/instance/write.cypher) and is kept as a
//   LocalDateTime for analysts;
// - one ServerGroupMember pair for each member its newest list names anew, instance or not
//   yet (named): how an instance batch finds the groups waiting for it (batch/instance/named
//   and batch/instance/read, an index seek by instance). The batch holds the lock of every
//   instance named;
// - the HAS_MEMBER edge to each member that is a live instance (linked; both locked, so
//   present), carrying its group's uuid for the index batch/server_group/unlink uses.
// One statement where there were three (see batch/instance/write.cypher); it plans no Eager.
// $rows: [{uuid, properties: {...every key below...} or null, named: [instance uuid],
//          linked: [instance uuid]}]
UNWIND $rows AS row
MATCH (g:ServerGroup {uuid: row.uuid})
FOREACH (p IN CASE WHEN row.properties IS NULL THEN [] ELSE [row.properties] END |
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
      g.last_event = p.last_event)
FOREACH (member IN row.named |
  CREATE (:ServerGroupMember {group: row.uuid, instance: member}))
WITH g, row
UNWIND row.linked AS member
MATCH (i:Instance {uuid: member})
CREATE (g)-[:HAS_MEMBER {group: row.uuid}]->(i)
