// Anti-affinity violations: server groups whose policy is anti-affinity and that have more
// members on one host than the policy allows (its rule max_server_per_host, 1 when unset):
// the first question after a maintenance. soft-anti-affinity is a preference, reported only
// when asked for.
// Parameters:
//   $include_soft (bool, default false): also report soft-anti-affinity groups
MATCH (g:ServerGroup)-[:HAS_MEMBER]->(i:Instance)<-[:HOSTS]-(c:ComputeNode)
WHERE g.policy = 'anti-affinity' OR ($include_soft AND g.policy = 'soft-anti-affinity')
WITH g, c, collect(i) AS members,
     head([rule IN coalesce(g.rules, []) WHERE rule STARTS WITH 'max_server_per_host='])
       AS limit_rule
WITH g, c, members,
     coalesce(toInteger(substring(limit_rule, size('max_server_per_host='))), 1) AS allowed
WHERE size(members) > allowed
UNWIND members AS i
WITH g, c, allowed, i ORDER BY i.name, i.uuid
RETURN g.uuid AS group_uuid, g.name AS group_name, g.policy AS policy,
       g.project_id AS project_id, c.hostname AS hostname, allowed,
       count(i) AS members_on_host, collect(i.uuid) AS instance_uuids,
       collect(i.name) AS instance_names
ORDER BY group_name, group_uuid, hostname
