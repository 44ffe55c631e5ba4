// Forgets these aggregate deletions: locked, and still older than the time to live.
// $keys: aggregate uuids
MATCH (t:AggregateTombstone)
WHERE t.uuid IN $keys
DELETE t
