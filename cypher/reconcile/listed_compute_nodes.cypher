// Every described compute node, with the stamp of the newest service event or reconcile that
// described it ([_us, _rank, _id], see batch/instance/read.cypher): a reconcile compares them with Nova's nova-compute services. Stubs are left
// to the batches: they go by themselves once nothing rests on them.
MATCH (c:ComputeNode)
WHERE c.described = true
RETURN c.hostname AS hostname,
       [c.service_event_time_us, c.service_event_time_rank, c.service_event_time_id]
         AS service_event_time
