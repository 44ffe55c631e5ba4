// Every instance the graph holds (placeholders of a batch under way excepted), with the stamp
// of the newest event that wrote it ([_us, _rank, _id], see batch/instance/read.cypher): a
// reconcile compares them with Nova's servers. One record holding a [uuid, stamp] list per
// instance, not a record per instance: at 200,000 instances the driver's work per record
// took most of the time (see client/snapshot.cypher).
// No parameters.
MATCH (i:Instance)
WHERE i.event_time_us IS NOT NULL
RETURN collect([i.uuid, [i.event_time_us, i.event_time_rank, i.event_time_id]]) AS instances
