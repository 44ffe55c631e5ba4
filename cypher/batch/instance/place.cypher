// Moves each instance whose description no event of the batch renews: only where it is
// (host, node, since when) and the placements that decide it (see upsert.cypher for clocks).
// $rows: [{uuid, properties: {...every key below...}}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
WITH i, row.properties AS p
SET i.host = p.host,
    i.node = p.node,
    i.host_since_us = p.host_since_us,
    i.host_since_rank = p.host_since_rank,
    i.host_since_id = p.host_since_id,
    i.host_since = CASE WHEN p.host_since_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.host_since_us}) END,
    i.authoritative_at_us = p.authoritative_at_us,
    i.authoritative_at_rank = p.authoritative_at_rank,
    i.authoritative_at_id = p.authoritative_at_id,
    i.authoritative_at = CASE WHEN p.authoritative_at_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.authoritative_at_us}) END,
    i.authoritative_host = p.authoritative_host,
    i.authoritative_node = p.authoritative_node,
    i.hinted_at_us = p.hinted_at_us,
    i.hinted_at_rank = p.hinted_at_rank,
    i.hinted_at_id = p.hinted_at_id,
    i.hinted_at = CASE WHEN p.hinted_at_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.hinted_at_us}) END,
    i.hinted_host = p.hinted_host,
    i.hinted_node = p.hinted_node
