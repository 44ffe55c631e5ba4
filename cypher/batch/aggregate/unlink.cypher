// Removes the CONTAINS edges from aggregates to hosts their newest event no longer names, or
// whose deletion is newer than the event. Found through the edges' own index (their key,
// "<aggregate uuid>:<hostname>"), so that no row reads what another row deletes.
// The index is named (USING INDEX): run with other statements as one (the batch's writes),
// the planner would scan the few aggregates of a young graph instead, and keep that plan.
// $keys: edge keys
MATCH (:Aggregate)-[r:CONTAINS]->()
USING INDEX r:CONTAINS(key)
WHERE r.key IN $keys
DELETE r
