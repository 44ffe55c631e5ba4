// Every aggregate the graph holds (placeholders of a batch under way, which have no event
// time, excepted), with the stamp of the newest event that wrote it ([_us, _rank, _id], see
// batch/instance/read.cypher): a reconcile compares them with Nova's /os-aggregates.
MATCH (a:Aggregate)
WHERE a.event_time_us IS NOT NULL
RETURN a.uuid AS key, [a.event_time_us, a.event_time_rank, a.event_time_id] AS event_time
