// Takes the write lock on every instance a batch touches, in sorted order (see
// batch/compute_node/lock). A missing instance is created as a placeholder without event_time;
// the plan removes it again unless an event of the batch realizes it.
// $keys: sorted instance uuids
UNWIND $keys AS uuid
MERGE (i:Instance {uuid: uuid})
SET i.lock = true
REMOVE i.lock
