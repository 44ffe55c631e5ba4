// service.delete: a compute node whose description is not newer than the deletion keeps only
// its key; if instances placed after the deletion still rest on it, it stays as a stub.
// $rows: [{hostname, deleted_at}]
UNWIND $rows AS row
MATCH (c:ComputeNode {hostname: row.hostname})
WHERE c.service_event_time IS NULL OR c.service_event_time <= row.deleted_at
SET c = {hostname: c.hostname, described: false}
