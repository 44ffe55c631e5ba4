// Every instance, for the whole-model snapshot (GraphClient.snapshot): one row holding one
// list per instance, in uuid order, instead of a record per instance. The driver's per-record
// work, not Neo4j, is most of the time of reading a large model: one record of 200,000
// short lists takes about half the time of 200,000 records.
// Each list holds the parameters of cdm_graph.read.models.Instance.from_columns, in order:
// the fields the read models take, no more; created_at as an ISO string, so that no temporal
// value crosses the driver; last, the hostname of the compute node hosting it (null: none).
// Placeholders of a batch under way (no event_time yet) are not instances. "i.uuid IS NOT
// NULL" (every instance has one) reads them through the uuid index, in its order: no sort.
// No parameters.
MATCH (i:Instance)
WHERE i.uuid IS NOT NULL AND i.event_time_us IS NOT NULL
WITH i ORDER BY i.uuid
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN collect([i.uuid, i.name, i.state, i.memory_mb, i.disk_gb, i.vcpus, i.project_id,
                i.locked, i.metadata, i.extra_specs, i.flavor_id, i.node,
                toString(i.created_at), c.hostname]) AS instances
