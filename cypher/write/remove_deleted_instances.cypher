// Deletes the instances whose latest state is not newer than their deletion. Returns the
// hosts they leave, which may now be empty stubs.
// $rows: [{uuid, deleted_at}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
WHERE i.event_time <= row.deleted_at
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
DETACH DELETE i
RETURN collect(DISTINCT c.hostname) AS hostnames
