// The server groups one instance is a member of, with the uuids of their members the graph
// holds, for the graph client.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $uuid: the instance's uuid
MATCH (g:ServerGroup)-[:HAS_MEMBER]->(:Instance {uuid: $uuid})
OPTIONAL MATCH (g)-[:HAS_MEMBER]->(i:Instance)
WITH g, i ORDER BY i.uuid
WITH g, collect(i.uuid) AS members
RETURN g.uuid AS uuid, g.name AS name, g.project_id AS project_id, g.user_id AS user_id,
       g.policy AS policy, g.rules AS rules, members
ORDER BY name, uuid
