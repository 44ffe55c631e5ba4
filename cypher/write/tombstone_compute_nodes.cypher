// service.delete: remembers the deletion, so that older service events cannot bring the
// compute node back. The tombstone keeps the latest deletion time.
// $rows: [{hostname, deleted_at}]
UNWIND $rows AS row
MERGE (t:ComputeNodeTombstone {hostname: row.hostname})
  ON CREATE SET t.deleted_at = row.deleted_at
  ON MATCH SET t.deleted_at = CASE
      WHEN row.deleted_at > t.deleted_at THEN row.deleted_at ELSE t.deleted_at END
