// Forgets these instance deletions: locked, and still older than the time to live.
// $keys: instance uuids
MATCH (t:InstanceTombstone)
WHERE t.uuid IN $keys
DELETE t
