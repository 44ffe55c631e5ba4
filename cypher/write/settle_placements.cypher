// The instance's host is the authoritative one when known, else the hint; host_since is the
// time of the event that said so, carried by the HOSTS edge.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
WHERE i.event_time IS NOT NULL
WITH i, CASE
    WHEN i.authoritative_at IS NOT NULL
      THEN [i.authoritative_host, i.authoritative_node, i.authoritative_at]
    WHEN i.hinted_at IS NOT NULL
      THEN [i.hinted_host, i.hinted_node, i.hinted_at]
    ELSE [null, null, null]
  END AS placement
SET i.host = placement[0], i.node = placement[1], i.host_since = placement[2]
