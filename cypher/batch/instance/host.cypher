// Draws the HOSTS edge of each instance from its host (locked, so present). The edge
// carries the time of the event that placed the instance, and the instance's uuid for the
// index batch/instance/unhost uses.
// $rows: [{uuid, hostname, since}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
MATCH (c:ComputeNode {hostname: row.hostname})
CREATE (c)-[:HOSTS {instance: row.uuid, since: row.since}]->(i)
