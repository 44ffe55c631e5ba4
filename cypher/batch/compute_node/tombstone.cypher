// Remembers when a compute node was deleted, so that older events cannot bring it back.
// $rows: [{hostname, deleted_at}], deleted_at already the latest known deletion
UNWIND $rows AS row
MERGE (t:ComputeNodeTombstone {hostname: row.hostname})
SET t.deleted_at = row.deleted_at
