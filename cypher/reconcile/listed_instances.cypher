// Every instance the graph holds (placeholders of a batch under way excepted), with the time
// of the newest event that wrote it: a reconcile compares them with Nova's servers.
MATCH (i:Instance)
WHERE i.event_time_us IS NOT NULL
RETURN i.uuid AS uuid, i.event_time_us AS event_time_us
