// Draws the HOSTS edge of each instance from its host (locked, so present). The edge
// carries the stamp of the event that placed the instance (since_us, since_rank, since_id
// for the guards, see upsert.cypher; since, a LocalDateTime, for analysts), and the
// instance's uuid for the index batch/instance/unhost uses.
// $rows: [{uuid, hostname, since_us, since_rank, since_id}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
MATCH (c:ComputeNode {hostname: row.hostname})
CREATE (c)-[:HOSTS {
  instance: row.uuid,
  since_us: row.since_us,
  since_rank: row.since_rank,
  since_id: row.since_id,
  since: localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.since_us})
}]->(i)
