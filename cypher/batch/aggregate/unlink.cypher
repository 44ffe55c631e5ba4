// Removes the CONTAINS edges from aggregates to hosts their newest event no longer names, or
// whose deletion is newer than the event. Found through the edges' own index (their key,
// "<aggregate uuid>:<hostname>"), so that no row reads what another row deletes.
// $keys: edge keys
MATCH (:Aggregate)-[r:CONTAINS]->()
WHERE r.key IN $keys
DELETE r
