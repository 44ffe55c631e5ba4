// Removes deleted instances, and placeholders that no event of the batch realized ($keys);
// then remembers when instances were deleted ($rows): older events cannot bring them back,
// newer ones (instance.restore.end after instance.soft_delete.end) can. One statement for
// both, since a deletion in a batch usually does both; the removal comes first, so that the
// statement plans no Eager (the tombstones' MERGE reads no node the removal deletes).
// $keys: instance uuids
// $rows: [{uuid, deleted_at_us, deleted_at_rank, deleted_at_id}], the stamp of the latest
// known deletion (see write.cypher for clocks), kept beside deleted_at, a LocalDateTime for
// analysts
MATCH (i:Instance)
WHERE i.uuid IN $keys
DETACH DELETE i
WITH count(*) AS removed
UNWIND $rows AS row
MERGE (t:InstanceTombstone {uuid: row.uuid})
SET t.deleted_at_us = row.deleted_at_us,
    t.deleted_at_rank = row.deleted_at_rank,
    t.deleted_at_id = row.deleted_at_id,
    t.deleted_at = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.deleted_at_us})
