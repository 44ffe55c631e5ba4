// instance.delete.end / instance.soft_delete.end: remembers the deletion so that older events
// cannot bring the instance back, while newer ones (instance.restore.end) can.
// $rows: [{uuid, deleted_at}]
UNWIND $rows AS row
MERGE (t:InstanceTombstone {uuid: row.uuid})
  ON CREATE SET t.deleted_at = row.deleted_at
  ON MATCH SET t.deleted_at = CASE
      WHEN row.deleted_at > t.deleted_at THEN row.deleted_at ELSE t.deleted_at END
