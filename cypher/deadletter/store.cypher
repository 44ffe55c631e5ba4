// Sets messages aside with the reason they could not be applied. The id is Nova's
// message_id (or a digest of the message), so a redelivered message is stored once.
// $rows: [{id, reason, event_type, publisher_id, message, received_at}]
UNWIND $rows AS row
MERGE (d:DeadLetter {id: row.id})
  ON CREATE SET d.received_at = row.received_at, d.attempts = 0
SET d.reason = row.reason,
    d.event_type = row.event_type,
    d.publisher_id = row.publisher_id,
    d.message = row.message,
    d.attempts = d.attempts + 1,
    d.last_attempt_at = row.received_at
