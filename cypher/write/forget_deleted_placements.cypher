// An instance that outlives a deletion (its latest event is newer) forgets what it learnt of
// its host before the deletion, as if the older events had come before it.
// $rows: [{uuid, deleted_at}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
WITH i, row,
     i.authoritative_at <= row.deleted_at AS forget_authoritative,
     i.hinted_at <= row.deleted_at AS forget_hint
SET i.authoritative_at = CASE WHEN forget_authoritative THEN null ELSE i.authoritative_at END,
    i.authoritative_host = CASE WHEN forget_authoritative THEN null ELSE i.authoritative_host END,
    i.authoritative_node = CASE WHEN forget_authoritative THEN null ELSE i.authoritative_node END,
    i.hinted_at = CASE WHEN forget_hint THEN null ELSE i.hinted_at END,
    i.hinted_host = CASE WHEN forget_hint THEN null ELSE i.hinted_host END,
    i.hinted_node = CASE WHEN forget_hint THEN null ELSE i.hinted_node END
