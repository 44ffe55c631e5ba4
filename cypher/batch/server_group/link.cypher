// Draws the HAS_MEMBER edge from a server group to each member that is a live instance
// (both locked, so present). The edge carries its group's uuid for the index
// batch/server_group/unlink uses.
// $rows: [{group, instance}]
UNWIND $rows AS row
MATCH (g:ServerGroup {uuid: row.group})
MATCH (i:Instance {uuid: row.instance})
CREATE (g)-[:HAS_MEMBER {group: row.group}]->(i)
