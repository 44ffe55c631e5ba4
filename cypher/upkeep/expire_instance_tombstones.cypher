// Forgets instance deletions older than the tombstone time to live, $limit at a time.
// $before: local datetime (UTC); $limit: integer
MATCH (t:InstanceTombstone)
WHERE t.deleted_at < $before
WITH t LIMIT $limit
DELETE t
RETURN count(*) AS expired
