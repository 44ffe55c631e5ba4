// What the guards need of the instances a batch touches (locked, so present: a placeholder
// has no event_time_us): the stamp of their description, their placements, their tombstone,
// their HOSTS edge, the flavor_id their OF_FLAVOR edge follows and whether that flavor is
// described (a flavor event's, so no stub to clean up) and how many instances are of it (a
// degree, exact where the batch holds the flavor's lock: then no stub still reached is looked
// at again after the writes), and the server groups whose member
// lists name them (see named.cypher: every batch that changes those pairs holds the
// instance's lock). Each stamp comes as [<clock>_us, <clock>_rank, <clock>_id], integers and
// a string (cdm_graph.plan.clock.Stamp): no temporal value crosses the driver. The description
// itself is read only where an event lacks some of it (read_described.cypher).
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
OPTIONAL MATCH (t:InstanceTombstone {uuid: uuid})
OPTIONAL MATCH (c:ComputeNode)-[r:HOSTS]->(i)
RETURN uuid, [i.event_time_us, i.event_time_rank, i.event_time_id] AS event_time,
       i.last_event AS last_event, i.host AS host, i.node AS node,
       [i.host_since_us, i.host_since_rank, i.host_since_id] AS host_since,
       [i.authoritative_at_us, i.authoritative_at_rank, i.authoritative_at_id] AS authoritative_at,
       i.authoritative_host AS authoritative_host, i.authoritative_node AS authoritative_node,
       [i.hinted_at_us, i.hinted_at_rank, i.hinted_at_id] AS hinted_at,
       i.hinted_host AS hinted_host, i.hinted_node AS hinted_node, i.flavor_id AS flavor_id,
       [t.deleted_at_us, t.deleted_at_rank, t.deleted_at_id] AS deleted_at,
       c.hostname AS hostname, [r.since_us, r.since_rank, r.since_id] AS since,
       coalesce(head([(i)-[:OF_FLAVOR]->(f:Flavor) | f.described]), false) AS flavor_described,
       coalesce(head([(i)-[:OF_FLAVOR]->(f:Flavor) | COUNT { (f)<-[:OF_FLAVOR]-() }]), 0)
         AS flavor_instances,
       COLLECT { MATCH (m:ServerGroupMember {instance: uuid}) RETURN m.group } AS waiting
