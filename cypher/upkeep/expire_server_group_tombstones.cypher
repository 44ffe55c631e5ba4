// Forgets these server group deletions: locked, and still older than the time to live.
// $keys: server group uuids
MATCH (t:ServerGroupTombstone)
WHERE t.uuid IN $keys
DELETE t
