// Forgets these compute node deletions: locked, and still older than the time to live.
// $keys: hostnames
MATCH (t:ComputeNodeTombstone)
WHERE t.hostname IN $keys
DELETE t
