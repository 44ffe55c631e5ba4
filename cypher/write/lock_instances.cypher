// Takes the write lock on every instance a batch touches, in sorted order (see
// lock_compute_nodes). A missing instance is created as a placeholder without event_time,
// removed by remove_instance_placeholders if no event of the batch realizes it.
// $keys: sorted list of instance uuids.
UNWIND $keys AS uuid
MERGE (i:Instance {uuid: uuid})
SET i.lock = true
REMOVE i.lock
