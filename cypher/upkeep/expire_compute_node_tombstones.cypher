// Forgets compute node deletions older than the tombstone time to live, $limit at a time, in
// hostname order: the order batches write tombstones in, so that neither waits for the other in a
// cycle.
// $before_us: microseconds since the epoch (UTC); $limit: integer
MATCH (t:ComputeNodeTombstone)
WHERE t.deleted_at_us < $before_us
WITH t ORDER BY t.hostname LIMIT $limit
DELETE t
RETURN count(*) AS expired
