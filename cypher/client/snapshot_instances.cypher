// Every instance, for the whole-model snapshot (GraphClient.snapshot): one row holding one
// list per instance, instead of a record per instance. The driver's per-record work, not
// Neo4j, is most of the time of reading a large model: one record of 200,000 short lists
// takes about half the time of 200,000 records.
// Each list holds the parameters of cdm_graph.read.models.Instance.from_columns, in order:
// the fields the read models take, no more; created_at as an ISO string, so that no temporal
// value crosses the driver; last, the hostname of the compute node hosting it (null: none).
// How it reads, measured at 200,000 instances (server time):
// - the properties through one map projection: it walks each node's property chain once,
//   where a list of 13 "i.<key>" walks it 13 times (1.2 s against 3.3 s);
// - in the label's scan order, the store's: the uuid index's order reads the node store at
//   random (+2.5 s). The client sorts by uuid.
// Placeholders of a batch under way (no event_time yet) are not instances.
// No parameters.
MATCH (i:Instance)
WHERE i.event_time_us IS NOT NULL
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
WITH i {.uuid, .name, .state, .memory_mb, .disk_gb, .vcpus, .project_id, .locked, .metadata,
        .extra_specs, .flavor_id, .node, .created_at} AS read, c.hostname AS host
RETURN collect([read.uuid, read.name, read.state, read.memory_mb, read.disk_gb, read.vcpus,
                read.project_id, read.locked, read.metadata, read.extra_specs, read.flavor_id,
                read.node, toString(read.created_at), host]) AS instances
