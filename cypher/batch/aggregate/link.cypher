// Draws a CONTAINS edge from each aggregate to each host of its newest event that no
// deletion newer than the event took away (both ends locked, so present). The edge carries
// its key, "<aggregate uuid>:<hostname>", for the index unlink.cypher removes it through.
// $rows: [{uuid, hostname, key}]
UNWIND $rows AS row
MATCH (a:Aggregate {uuid: row.uuid})
MATCH (c:ComputeNode {hostname: row.hostname})
MERGE (a)-[:CONTAINS {key: row.key}]->(c)
