// Messages in the dead-letter store: none after a run of good messages.
MATCH (d:DeadLetter)
RETURN count(d) AS dead_letters
