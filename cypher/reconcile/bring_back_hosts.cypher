// The time of the HOSTS edge of each instance bring_back_instances brought back, as it is to
// be kept. Found through the edges' own index (batch/instance/unhost).
// $rows: [{uuid, since_us}], microseconds since the epoch (UTC)
UNWIND $rows AS row
MATCH ()-[r:HOSTS {instance: row.uuid}]->()
SET r.since_us = row.since_us,
    r.since = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.since_us})
