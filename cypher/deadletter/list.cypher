// Dead letters, oldest first.
// $limit: how many at most
MATCH (d:DeadLetter)
WHERE d.received_at >= datetime('1970-01-01T00:00:00Z')
RETURN d.id AS id, d.received_at AS received_at, d.event_type AS event_type,
       d.publisher_id AS publisher_id, d.reason AS reason, d.attempts AS attempts,
       d.message AS message
ORDER BY d.received_at
LIMIT $limit
