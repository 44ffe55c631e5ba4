// Takes the write lock on the availability zones a batch changes, by name in sorted order,
// last of all the batch's locks and in this one statement: no batch takes a lock after it,
// so zones, which any batch may touch, wait in no cycle. A missing zone is created here.
// Then puts each compute node in an availability zone (both locked, so present). The edge
// carries its key, "<zone name>:<hostname>" (Nova's zone names hold no colon), for the index
// unzone.cypher removes it through; unzone runs after this statement (the edges it removes
// are others), which removes the zones left empty next.
// One statement for the lock and the edges, since both come with every zone change; the
// count between them lets every lock be taken before any edge is drawn, and no Eager.
// $keys: sorted zone names
// $rows: [{hostname, zone, key}]
UNWIND $keys AS name
MERGE (z:AvailabilityZone {name: name})
SET z.lock = true
REMOVE z.lock
WITH count(*) AS locked
UNWIND $rows AS row
MATCH (z:AvailabilityZone {name: row.zone})
MATCH (c:ComputeNode {hostname: row.hostname})
MERGE (z)-[:CONTAINS {key: row.key}]->(c)
