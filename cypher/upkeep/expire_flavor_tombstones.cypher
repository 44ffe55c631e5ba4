// Forgets these flavor deletions: locked, and still older than the time to live.
// $keys: flavor ids
MATCH (t:FlavorTombstone)
WHERE t.flavorid IN $keys
DELETE t
