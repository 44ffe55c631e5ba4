// Removes the instances lock_instances created that no event of the batch realized (their
// events were older than a deletion, or the batch only deleted them).
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
WHERE i.event_time IS NULL
DETACH DELETE i
