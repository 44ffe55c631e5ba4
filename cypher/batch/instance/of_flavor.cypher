// Draws the OF_FLAVOR edge of each instance to the flavor its flavor_id names (locked, so
// present: a stub if no flavor event described it). An instance has at most one; the plan
// draws it for a new instance and after its flavor changed (a resize), once the old one went
// (batch/instance/unflavor).
// $rows: [{uuid, flavorid}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
MATCH (f:Flavor {flavorid: row.flavorid})
CREATE (i)-[:OF_FLAVOR]->(f)
