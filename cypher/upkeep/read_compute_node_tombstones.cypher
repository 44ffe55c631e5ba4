// The deletion time of each locked tombstone (null: made anew by the lock, expired meanwhile).
// $keys: hostnames
UNWIND $keys AS key
MATCH (t:ComputeNodeTombstone {hostname: key})
RETURN key, t.deleted_at_us AS deleted_at_us
