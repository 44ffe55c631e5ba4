// Every described flavor, with the stamp of the newest flavor event or reconcile that
// described it ([_us, _rank, _id], see batch/instance/read.cypher): a reconcile compares them
// with Nova's /flavors/detail. Stubs (flavors only instances name) are left to the batches:
// they go by themselves once no instance is of them.
MATCH (f:Flavor)
WHERE f.described = true
RETURN f.flavorid AS key, [f.event_time_us, f.event_time_rank, f.event_time_id] AS event_time
