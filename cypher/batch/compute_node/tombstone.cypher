// Remembers when a compute node was deleted, so that older events cannot bring it back.
// $rows: [{hostname, deleted_at}], deleted_at already the latest known deletion
// $rows: [{hostname, deleted_at_us}], deleted_at_us already the latest known deletion (microseconds
// since the epoch), kept beside deleted_at, a LocalDateTime for analysts
UNWIND $rows AS row
MERGE (t:ComputeNodeTombstone {hostname: row.hostname})
SET t.deleted_at_us = row.deleted_at_us,
    t.deleted_at = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.deleted_at_us})
