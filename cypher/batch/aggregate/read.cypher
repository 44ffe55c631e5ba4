// What the guards need of the aggregates a batch touches, read before any lock (to learn which
// hosts the batch must lock; an aggregate not stored yet has no row) and again under lock (a
// placeholder the lock made has no event_time_us): the stamp of their description, its zone
// and host list, the hosts they have a CONTAINS edge to, and their tombstone. Each stamp comes as [<clock>_us,
// <clock>_rank, <clock>_id] (see batch/instance/read.cypher). An aggregate event carries the
// whole aggregate, so no description is read back.
// $keys: aggregate uuids
UNWIND $keys AS uuid
MATCH (a:Aggregate {uuid: uuid})
OPTIONAL MATCH (t:AggregateTombstone {uuid: uuid})
RETURN uuid, [a.event_time_us, a.event_time_rank, a.event_time_id] AS event_time,
       a.availability_zone AS availability_zone, a.hosts AS hosts,
       [(a)-[:CONTAINS]->(c:ComputeNode) | c.hostname] AS contains,
       [t.deleted_at_us, t.deleted_at_rank, t.deleted_at_id] AS deleted_at
