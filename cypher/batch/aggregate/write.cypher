// Writes each aggregate the batch describes or links, in one pass:
// - its whole state, as Nova's newest event describes it (properties; null: no new
//   description; see batch/instance/write.cypher for how clocks are kept). metadata is a
//   sorted list of "key=value" strings and hosts the sorted host list of that event, both
//   filterable:
//     MATCH (a:Aggregate) WHERE 'ssd=true' IN a.metadata
// - a CONTAINS edge to each host of its newest event that no deletion newer than the event
//   took away (both ends locked, so present), where the edge is not there yet (links). The
//   edge carries its key, "<aggregate uuid>:<hostname>", for the index unlink.cypher removes
//   it through.
// One statement where there were two (see batch/instance/write.cypher); it plans no Eager.
// $rows: [{uuid, properties: {...every key below...} or null, links: [{hostname, key}]}]
UNWIND $rows AS row
MATCH (a:Aggregate {uuid: row.uuid})
FOREACH (p IN CASE WHEN row.properties IS NULL THEN [] ELSE [row.properties] END |
  SET a.id = p.id,
      a.name = p.name,
      a.metadata = p.metadata,
      a.availability_zone = p.availability_zone,
      a.hosts = p.hosts,
      a.event_time_us = p.event_time_us,
      a.event_time_rank = p.event_time_rank,
      a.event_time_id = p.event_time_id,
      a.event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.event_time_us}),
      a.last_event = p.last_event)
WITH a, row
UNWIND row.links AS link
MATCH (c:ComputeNode {hostname: link.hostname})
MERGE (a)-[:CONTAINS {key: link.key}]->(c)
