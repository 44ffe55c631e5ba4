// Remembers when a server group was deleted: older events cannot bring it back, newer ones
// can.
// $rows: [{uuid, deleted_at_us, deleted_at_rank, deleted_at_id}], the stamp of the latest
// known deletion (see batch/instance/write.cypher for clocks), kept beside deleted_at, a
// LocalDateTime for analysts
UNWIND $rows AS row
MERGE (t:ServerGroupTombstone {uuid: row.uuid})
SET t.deleted_at_us = row.deleted_at_us,
    t.deleted_at_rank = row.deleted_at_rank,
    t.deleted_at_id = row.deleted_at_id,
    t.deleted_at = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.deleted_at_us})
