// The whole model's compute nodes and instances, for the snapshot (GraphClient.snapshot): a
// record per compute node (described or known only from instance events) holding its
// properties and a list per instance it hosts, then one record (node null) holding the
// instances no node hosts.
// Why records of a node's instances, not one record of them all: collect() is eager, so one
// record made the client wait for Neo4j to read every instance (about 2 s at 200,000) before
// it could start on the first. Each node's collect runs in its own subquery, so records go
// out as they are made; the client reads them as they come (Gateway.read_streamed) and builds
// the model while Neo4j reads the rest. About 10,000 records of 20 lists, not 200,000 of
// one: the driver's work per record stays small.
// Why the nodes in the same records: read by a statement of their own, before this one, they
// made the client wait about 0.2 s at 10,000 nodes with nothing to do; here they come with the
// stream, and the client sorts them by hostname.
// A node's keys: the fields the client's read models take
// (cdm_graph.read.models.ComputeNode.from_graph), as client/compute_nodes returns them.
// Each instance's list holds the parameters of cdm_graph.read.models.Instance.from_columns
// but the last (the hosting node's hostname), in order: the fields the read models take, no
// more; created_at as an ISO string, so that no temporal value crosses the driver.
// The properties are read through one map projection: it walks each node's property chain
// once, where a list of 13 "i.<key>" walks it 13 times (1.2 s against 3.3 s at 200,000).
// Not in uuid order: the client sorts (an index's order reads the node store at random).
// Placeholders of a batch under way (no event_time yet) are not instances.
// The instances no node hosts are found by their count of HOSTS edges (only a compute node
// draws one), before any of their properties is read: with the property test first, Neo4j
// walked the property chain of every instance of the cloud to find none (0.4-0.7 s at
// 200,000, at the end of the snapshot, when the client has nothing else to do), against
// 0.07 s. They are projected before their event_time is tested, so that the planner keeps
// that order; a placeholder is rare.
// No parameters.
MATCH (c:ComputeNode)
WHERE c.hostname IS NOT NULL
CALL {
  WITH c
  MATCH (c)-[:HOSTS]->(i:Instance)
  WHERE i.event_time_us IS NOT NULL
  WITH i {.uuid, .name, .state, .memory_mb, .disk_gb, .vcpus, .project_id, .locked, .metadata,
          .extra_specs, .flavor_id, .node, .created_at} AS read
  RETURN collect([read.uuid, read.name, read.state, read.memory_mb, read.disk_gb, read.vcpus,
                  read.project_id, read.locked, read.metadata, read.extra_specs, read.flavor_id,
                  read.node, toString(read.created_at)]) AS instances
}
RETURN c {.hostname, .uuid, .hypervisor_hostname, .status, .state, .disabled_reason,
          .availability_zone, .described, .vcpus, .vcpu_reserved, .vcpu_ratio, .memory_mb,
          .memory_mb_reserved, .memory_ratio, .disk_gb, .disk_gb_reserved, .disk_ratio} AS node,
       instances
UNION ALL
MATCH (i:Instance)
WHERE COUNT { (i)<-[:HOSTS]-() } = 0
WITH i {.uuid, .name, .state, .memory_mb, .disk_gb, .vcpus, .project_id, .locked, .metadata,
        .extra_specs, .flavor_id, .node, .created_at, .event_time_us} AS read
WHERE read.event_time_us IS NOT NULL
RETURN null AS node,
       collect([read.uuid, read.name, read.state, read.memory_mb, read.disk_gb, read.vcpus,
                read.project_id, read.locked, read.metadata, read.extra_specs, read.flavor_id,
                read.node, toString(read.created_at)]) AS instances
