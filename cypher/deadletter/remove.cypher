// Forgets dead letters that a replay applied.
// $keys: dead letter ids
MATCH (d:DeadLetter)
WHERE d.id IN $keys
DELETE d
