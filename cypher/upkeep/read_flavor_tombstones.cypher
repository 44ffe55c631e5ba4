// The deletion time of each locked tombstone (null: made anew by the lock, expired meanwhile).
// $keys: flavor ids
UNWIND $keys AS key
MATCH (t:FlavorTombstone {flavorid: key})
RETURN key, t.deleted_at_us AS deleted_at_us
