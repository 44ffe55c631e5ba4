// service.delete: the instances the compute node held before its deletion leave it.
// $rows: [{hostname, deleted_at}]
UNWIND $rows AS row
MATCH (:ComputeNode {hostname: row.hostname})-[r:HOSTS]->(:Instance)
WHERE r.since <= row.deleted_at
DELETE r
