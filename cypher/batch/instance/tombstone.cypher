// Remembers when an instance was deleted: older events cannot bring it back, newer ones
// (instance.restore.end after instance.soft_delete.end) can.
// $rows: [{uuid, deleted_at}], deleted_at already the latest known deletion
UNWIND $rows AS row
MERGE (t:InstanceTombstone {uuid: row.uuid})
SET t.deleted_at = row.deleted_at
