// Server groups with the uuids of their member instances the graph holds (HAS_MEMBER
// edges), for the graph client: all of them, or one by uuid.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $uuid (optional): only the server group with this uuid
CALL () {
  MATCH (g:ServerGroup) WHERE $uuid IS NULL RETURN g
  UNION
  MATCH (g:ServerGroup {uuid: $uuid}) RETURN g
}
OPTIONAL MATCH (g)-[:HAS_MEMBER]->(i:Instance)
WITH g, i ORDER BY i.uuid
WITH g, collect(i.uuid) AS members
RETURN g.uuid AS uuid, g.name AS name, g.project_id AS project_id, g.user_id AS user_id,
       g.policy AS policy, g.rules AS rules, members
ORDER BY name, uuid
