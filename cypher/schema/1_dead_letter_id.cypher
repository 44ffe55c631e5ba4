// A message set aside twice (redelivered before its acknowledgement) is one dead letter.
CREATE CONSTRAINT dead_letter_id IF NOT EXISTS
FOR (d:DeadLetter) REQUIRE d.id IS UNIQUE
