// What the guards need of the server groups a batch touches (locked, so present: a
// placeholder has no event_time_us): the stamp of their description, their tombstone, their
// member list and the instances their HAS_MEMBER edges reach. Each stamp comes as
// [<clock>_us, <clock>_rank, <clock>_id] (cdm_graph.plan.clock.Stamp).
// $keys: server group uuids
UNWIND $keys AS uuid
MATCH (g:ServerGroup {uuid: uuid})
OPTIONAL MATCH (t:ServerGroupTombstone {uuid: uuid})
RETURN uuid, [g.event_time_us, g.event_time_rank, g.event_time_id] AS event_time,
       g.members AS members,
       [(g)-[:HAS_MEMBER]->(i:Instance) | i.uuid] AS linked,
       [t.deleted_at_us, t.deleted_at_rank, t.deleted_at_id] AS deleted_at
