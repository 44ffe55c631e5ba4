// Deletes the instances whose latest state is not newer than their deletion.
// $rows: [{uuid, deleted_at}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
WHERE i.event_time <= row.deleted_at
DETACH DELETE i
