// Forgets deletions older than the tombstone time to live.
// $before: local datetime (UTC); $limit: how many at most in one transaction
CALL () {
  MATCH (t:InstanceTombstone) WHERE t.deleted_at < $before
  RETURN t LIMIT $limit
  UNION
  MATCH (t:ComputeNodeTombstone) WHERE t.deleted_at < $before
  RETURN t LIMIT $limit
}
DELETE t
RETURN count(t) AS expired
