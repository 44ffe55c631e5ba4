// Forgets compute node deletions older than the tombstone time to live, $limit at a time.
// $before_us: microseconds since the epoch (UTC); $limit: integer
MATCH (t:ComputeNodeTombstone)
WHERE t.deleted_at_us < $before_us
WITH t LIMIT $limit
DELETE t
RETURN count(*) AS expired
