// Dead letters are listed oldest first.
CREATE RANGE INDEX dead_letter_received_at IF NOT EXISTS
FOR (d:DeadLetter) ON (d.received_at)
