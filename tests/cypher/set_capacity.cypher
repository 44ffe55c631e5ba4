// A test's stand-in for `cdm-graph reconcile`: capacity and identity from the API.
// $rows: [{hostname, capacity: {...}}]
UNWIND $rows AS row
MATCH (c:ComputeNode {hostname: row.hostname})
SET c += row.capacity
