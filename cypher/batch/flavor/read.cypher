// What the guards need of the flavors a batch describes or deletes (locked, so present):
// whether each is described, the stamp of its description and of its tombstone, each as
// [<clock>_us, <clock>_rank, <clock>_id] (see batch/instance/read.cypher). The description
// itself is read only where an event lacks some of it (read_described.cypher).
// $keys: flavor ids
UNWIND $keys AS flavorid
MATCH (f:Flavor {flavorid: flavorid})
OPTIONAL MATCH (t:FlavorTombstone {flavorid: flavorid})
RETURN flavorid, f.described AS described,
       [f.event_time_us, f.event_time_rank, f.event_time_id] AS event_time,
       [t.deleted_at_us, t.deleted_at_rank, t.deleted_at_id] AS deleted_at
