// Puts each compute node in an availability zone (both locked, so present). The edge
// carries its key, "<zone name>:<hostname>" (Nova's zone names hold no colon), for the index
// unzone.cypher removes it through.
// $rows: [{hostname, zone, key}]
UNWIND $rows AS row
MATCH (z:AvailabilityZone {name: row.zone})
MATCH (c:ComputeNode {hostname: row.hostname})
MERGE (z)-[:CONTAINS {key: row.key}]->(c)
