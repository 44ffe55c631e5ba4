// Renews the stamp of the HOSTS edge of each instance that stays on its host while a newer
// event places it there again (a listing, an authoritative notification): the edge stays,
// only its since_* change (see host.cypher), instead of a delete and a create. Found through
// the edges' own index (batch/instance/unhost).
// $rows: [{uuid, since_us, since_rank, since_id}]
UNWIND $rows AS row
MATCH ()-[r:HOSTS {instance: row.uuid}]->()
SET r.since_us = row.since_us,
    r.since_rank = row.since_rank,
    r.since_id = row.since_id,
    r.since = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.since_us})
