// The aggregate deletions older than the tombstone time to live, $limit at a time, in key order
// (the order upkeep/lock_aggregate_tombstones takes them in).
// $before_us: microseconds since the epoch (UTC); $limit: integer
MATCH (t:AggregateTombstone)
WHERE t.deleted_at_us < $before_us
RETURN t.uuid AS key
ORDER BY key
LIMIT $limit
