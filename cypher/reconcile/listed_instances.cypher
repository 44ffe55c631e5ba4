// Every instance the graph holds (placeholders of a batch under way excepted), with the stamp
// of the newest event that wrote it ([_us, _rank, _id], see batch/instance/read.cypher): a reconcile compares them with Nova's servers.
MATCH (i:Instance)
WHERE i.event_time_us IS NOT NULL
RETURN i.uuid AS uuid, [i.event_time_us, i.event_time_rank, i.event_time_id] AS event_time
