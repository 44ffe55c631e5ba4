// Draws the OF_FLAVOR edge of each instance to the flavor its flavor_id names (locked, so
// present: a stub if no flavor event described it), carrying the instance's uuid for the
// index batch/instance/unflavor uses (at most one per instance). The plan draws it for a new
// instance and after its flavor changed (a resize), once the old one went.
// $rows: [{uuid, flavorid}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
MATCH (f:Flavor {flavorid: row.flavorid})
CREATE (i)-[:OF_FLAVOR {instance: row.uuid}]->(f)
