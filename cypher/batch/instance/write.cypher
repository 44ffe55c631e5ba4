// Writes each instance the batch keeps and its edges, in one pass:
// - its description, as Nova's newest event describes it (describe: true); every property is
//   named, and a property set to null is removed;
// - where it is (host, node, since when) and the placements that decide it, whenever
//   properties are given (an instance whose description no event of the batch renews is only
//   moved);
// - its HOSTS edge from its host (locked, so present), drawn anew (the old one went with
//   batch/instance/unhost) or, on the host it rests on, only stamped again. The edge carries
//   the stamp of the event that placed the instance (since_us, since_rank, since_id for the
//   guards; since, a LocalDateTime, for analysts) and the instance's uuid for the index
//   unhost uses;
// - its OF_FLAVOR edge to the flavor its flavor_id names (locked, so present: a stub if no
//   flavor event described it), for a new instance and after its flavor changed (a resize),
//   once the old one went (batch/instance/unflavor); it carries the instance's uuid too.
// One statement where there were five: most of a batch's instances change in several of these
// ways, and each statement is a round trip and the driver's work. Each part is a FOREACH over
// zero or one item, so that the statement plans no Eager and no row reads what another writes.
// metadata and extra_specs are lists of "key=value", filterable in Cypher:
//   MATCH (i:Instance) WHERE 'tier=gold' IN i.metadata
// Each clock comes as its stamp (cdm_graph.plan.clock.Stamp): <name>_us (microseconds since
// the epoch, UTC), <name>_rank (its precedence at one microsecond) and <name>_id (its
// message's id), what the guards read; it is also kept as a LocalDateTime for analysts.
// Nova's own dates (created_at, ...) come as ISO strings and are kept as DateTimes.
// $rows: [{uuid, describe: bool, properties: {...every key below...} or null,
//          hostname (null: no edge to draw or stamp), since_us, since_rank, since_id,
//          flavorid (null: no edge to draw)}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
FOREACH (p IN CASE WHEN row.describe THEN [row.properties] ELSE [] END |
  SET i.name = p.name,
      i.description = p.description,
      i.state = p.state,
      i.power_state = p.power_state,
      i.task_state = p.task_state,
      i.project_id = p.project_id,
      i.user_id = p.user_id,
      i.availability_zone = p.availability_zone,
      i.image_uuid = p.image_uuid,
      i.key_name = p.key_name,
      i.architecture = p.architecture,
      i.locked = p.locked,
      i.locked_reason = p.locked_reason,
      i.created_at = datetime(p.created_at),
      i.launched_at = datetime(p.launched_at),
      i.terminated_at = datetime(p.terminated_at),
      i.updated_at = datetime(p.updated_at),
      i.flavor_name = p.flavor_name,
      i.flavor_id = p.flavor_id,
      i.vcpus = p.vcpus,
      i.memory_mb = p.memory_mb,
      i.root_gb = p.root_gb,
      i.ephemeral_gb = p.ephemeral_gb,
      i.swap_mb = p.swap_mb,
      i.disk_gb = p.disk_gb,
      i.metadata = p.metadata,
      i.extra_specs = p.extra_specs,
      i.event_time_us = p.event_time_us,
      i.event_time_rank = p.event_time_rank,
      i.event_time_id = p.event_time_id,
      i.event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.event_time_us}),
      i.last_event = p.last_event)
FOREACH (p IN CASE WHEN row.properties IS NULL THEN [] ELSE [row.properties] END |
  SET i.host = p.host,
      i.node = p.node,
      i.host_since_us = p.host_since_us,
      i.host_since_rank = p.host_since_rank,
      i.host_since_id = p.host_since_id,
      i.host_since = CASE WHEN p.host_since_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.host_since_us}) END,
      i.authoritative_at_us = p.authoritative_at_us,
      i.authoritative_at_rank = p.authoritative_at_rank,
      i.authoritative_at_id = p.authoritative_at_id,
      i.authoritative_at = CASE WHEN p.authoritative_at_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.authoritative_at_us}) END,
      i.authoritative_host = p.authoritative_host,
      i.authoritative_node = p.authoritative_node,
      i.hinted_at_us = p.hinted_at_us,
      i.hinted_at_rank = p.hinted_at_rank,
      i.hinted_at_id = p.hinted_at_id,
      i.hinted_at = CASE WHEN p.hinted_at_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.hinted_at_us}) END,
      i.hinted_host = p.hinted_host,
      i.hinted_node = p.hinted_node)
WITH row, i
OPTIONAL MATCH (c:ComputeNode {hostname: row.hostname})
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END |
  MERGE (c)-[r:HOSTS {instance: row.uuid}]->(i)
  SET r.since_us = row.since_us,
      r.since_rank = row.since_rank,
      r.since_id = row.since_id,
      r.since = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.since_us}))
WITH row, i
OPTIONAL MATCH (f:Flavor {flavorid: row.flavorid})
FOREACH (_ IN CASE WHEN f IS NULL THEN [] ELSE [1] END |
  CREATE (i)-[:OF_FLAVOR {instance: row.uuid}]->(f))
