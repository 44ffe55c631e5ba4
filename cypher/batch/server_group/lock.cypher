// Takes the write lock on every server group a batch touches, in sorted order, after every
// instance lock (the registry's order; see batch/compute_node/lock). A missing group is
// created as a placeholder without event_time; the plan removes it again unless an event of
// the batch realizes it.
// $keys: sorted server group uuids
UNWIND $keys AS uuid
MERGE (g:ServerGroup {uuid: uuid})
SET g.lock = true
REMOVE g.lock
