// The graph in the simulator's terms (NovaSimulator.truth()), to compare with it.
MATCH (c:ComputeNode)
RETURN 'compute_nodes' AS kind, c.hostname AS key,
       {status: c.status, disabled_reason: c.disabled_reason} AS view
UNION ALL
MATCH (i:Instance)
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN 'instances' AS kind, i.uuid AS key,
       {host: c.hostname, state: i.state, power_state: i.power_state,
        flavor_name: i.flavor_name, vcpus: i.vcpus, memory_mb: i.memory_mb} AS view
