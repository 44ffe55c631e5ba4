// Affinity violations: server groups whose policy is affinity and whose members run on more
// than one host, with the hosts and how many members each has. soft-affinity is a
// preference, reported only when asked for. Members without a host (shelved) are left out.
// Parameters:
//   $include_soft (bool, default false): also report soft-affinity groups
MATCH (g:ServerGroup)-[:HAS_MEMBER]->(i:Instance)<-[:HOSTS]-(c:ComputeNode)
WHERE g.policy = 'affinity' OR ($include_soft AND g.policy = 'soft-affinity')
WITH g, c, count(i) AS members ORDER BY c.hostname
WITH g, collect(c.hostname) AS hostnames, collect(members) AS members_per_host
WHERE size(hostnames) > 1
RETURN g.uuid AS group_uuid, g.name AS group_name, g.policy AS policy,
       g.project_id AS project_id, hostnames, members_per_host
ORDER BY group_name, group_uuid
