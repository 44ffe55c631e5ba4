// What an event says of the instance's host, each kind of evidence with its own clock: an
// authoritative host (it may be null: shelve_offload) and a hint, used only while no
// authoritative host is known. Evidence older than a deletion is void.
// $rows: [{uuid, authoritative_at, authoritative_host, authoritative_node,
//          hinted_at, hinted_host, hinted_node}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
WHERE i.event_time IS NOT NULL
OPTIONAL MATCH (t:InstanceTombstone {uuid: row.uuid})
WITH i, row,
     row.authoritative_at IS NOT NULL
       AND (t IS NULL OR row.authoritative_at > t.deleted_at)
       AND (i.authoritative_at IS NULL OR row.authoritative_at > i.authoritative_at)
       AS take_authoritative,
     row.hinted_at IS NOT NULL
       AND (t IS NULL OR row.hinted_at > t.deleted_at)
       AND (i.hinted_at IS NULL OR row.hinted_at > i.hinted_at)
       AS take_hint
SET i.authoritative_at = CASE WHEN take_authoritative THEN row.authoritative_at ELSE i.authoritative_at END,
    i.authoritative_host = CASE WHEN take_authoritative THEN row.authoritative_host ELSE i.authoritative_host END,
    i.authoritative_node = CASE WHEN take_authoritative THEN row.authoritative_node ELSE i.authoritative_node END,
    i.hinted_at = CASE WHEN take_hint THEN row.hinted_at ELSE i.hinted_at END,
    i.hinted_host = CASE WHEN take_hint THEN row.hinted_host ELSE i.hinted_host END,
    i.hinted_node = CASE WHEN take_hint THEN row.hinted_node ELSE i.hinted_node END
