// Every server group the graph holds (placeholders of a batch under way, which have no event
// time, excepted), with the stamp of the newest event that wrote it ([_us, _rank, _id], see
// batch/instance/read.cypher): a reconcile compares them with Nova's /os-server-groups.
MATCH (g:ServerGroup)
WHERE g.event_time_us IS NOT NULL
RETURN g.uuid AS key, [g.event_time_us, g.event_time_rank, g.event_time_id] AS event_time
