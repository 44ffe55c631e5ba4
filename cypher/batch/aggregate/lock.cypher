// Takes the write lock on every aggregate a batch touches, in sorted order, after the compute
// nodes (see batch/compute_node/lock): an aggregate batch locks its hosts first, a compute
// node's deletion the aggregates containing it after it. A missing aggregate is created as a
// placeholder without event_time; the plan removes it again unless an event of the batch
// realizes it.
// $keys: sorted aggregate uuids
UNWIND $keys AS uuid
MERGE (a:Aggregate {uuid: uuid})
SET a.lock = true
REMOVE a.lock
