// Takes compute nodes out of availability zones: none of their aggregates has that zone any
// more, or they are going away. Found through the edges' own index (their key, "<zone
// name>:<hostname>"), so that no row reads what another row deletes.
// The index is named (USING INDEX): run with other statements as one (the batch's writes),
// the planner would scan the few zones of a young graph instead, and keep that plan.
// $keys: edge keys
MATCH (:AvailabilityZone)-[r:CONTAINS]->()
USING INDEX r:CONTAINS(key)
WHERE r.key IN $keys
DELETE r
