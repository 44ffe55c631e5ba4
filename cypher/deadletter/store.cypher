// Sets messages aside with the reason they could not be applied. The id is Nova's
// message_id (or a digest of the message), so a redelivered message is stored once. The first
// arrival and the count come from coalesce() rather than ON CREATE SET, which would plan an
// Eager operator.
// $rows: [{id, reason, event_type, publisher_id, message, received_at}]
UNWIND $rows AS row
MERGE (d:DeadLetter {id: row.id})
SET d.received_at = coalesce(d.received_at, row.received_at),
    d.attempts = coalesce(d.attempts, 0) + 1,
    d.reason = row.reason,
    d.event_type = row.event_type,
    d.publisher_id = row.publisher_id,
    d.message = row.message,
    d.last_attempt_at = row.received_at
