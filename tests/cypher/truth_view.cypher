// The graph in the simulator's terms (cdm_graph.simulate.cloud_truth), to compare with it:
// one row per element, its kind, its key and its view. Edges are read as sorted lists (an
// aggregate's "contains", a zone's "hosts", a server group's "has_member"), beside the
// properties that repeat them (an aggregate's "hosts", a group's "members"). A map Nova
// sent empty may be stored as [] or null: both read as []. A flavor stub reads as
// {described: false} whatever else it holds; an instance's flavorid is the one flavor its
// OF_FLAVOR edge reaches, or the list of them when it has not exactly one.
MATCH (c:ComputeNode)
RETURN 'compute_nodes' AS kind, c.hostname AS key,
       {status: c.status, disabled_reason: c.disabled_reason} AS view
UNION ALL
MATCH (i:Instance)
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
WITH i, c, [(i)-[:OF_FLAVOR]->(f:Flavor) | f.flavorid] AS flavorids
RETURN 'instances' AS kind, i.uuid AS key,
       {host: c.hostname, state: i.state, power_state: i.power_state,
        flavor_name: i.flavor_name, vcpus: i.vcpus, memory_mb: i.memory_mb,
        flavorid: CASE size(flavorids) WHEN 1 THEN flavorids[0] ELSE flavorids END} AS view
UNION ALL
MATCH (a:Aggregate)
OPTIONAL MATCH (a)-[:CONTAINS]->(c:ComputeNode)
WITH a, c
ORDER BY c.hostname
WITH a, collect(c.hostname) AS contains
RETURN 'aggregates' AS kind, a.uuid AS key,
       {id: a.id, name: a.name, metadata: coalesce(a.metadata, []),
        availability_zone: a.availability_zone, hosts: coalesce(a.hosts, []),
        contains: contains} AS view
UNION ALL
MATCH (z:AvailabilityZone)
OPTIONAL MATCH (z)-[:CONTAINS]->(c:ComputeNode)
WITH z, c
ORDER BY c.hostname
RETURN 'zones' AS kind, z.name AS key, {hosts: collect(c.hostname)} AS view
UNION ALL
MATCH (g:ServerGroup)
OPTIONAL MATCH (g)-[:HAS_MEMBER]->(i:Instance)
WITH g, i
ORDER BY i.uuid
WITH g, collect(i.uuid) AS has_member
RETURN 'server_groups' AS kind, g.uuid AS key,
       {name: g.name, project_id: g.project_id, user_id: g.user_id, policy: g.policy,
        rules: coalesce(g.rules, []), members: coalesce(g.members, []),
        has_member: has_member} AS view
UNION ALL
MATCH (f:Flavor)
RETURN 'flavors' AS kind, f.flavorid AS key,
       CASE WHEN f.described = false THEN {described: false}
       ELSE {described: f.described, name: f.name, vcpus: f.vcpus, memory_mb: f.memory_mb,
             root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb, swap: f.swap,
             rxtx_factor: f.rxtx_factor, vcpu_weight: f.vcpu_weight, disabled: f.disabled,
             is_public: f.is_public, projects: coalesce(f.projects, []),
             extra_specs: coalesce(f.extra_specs, []), description: f.description}
       END AS view
