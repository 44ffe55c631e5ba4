// What the guards need of the compute nodes a batch touches (locked, so present): whether
// each is described, the stamp of its description and of its tombstone, each as
// [<clock>_us, <clock>_rank, <clock>_id] (see batch/instance/read.cypher). The description
// itself is read only where an event lacks some of it (read_described.cypher). zoned: whether
// an availability zone contains it (every compute node but one this batch's lock created).
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
OPTIONAL MATCH (t:ComputeNodeTombstone {hostname: hostname})
RETURN hostname, c.described AS described,
       [c.service_event_time_us, c.service_event_time_rank, c.service_event_time_id]
         AS service_event_time,
       [t.deleted_at_us, t.deleted_at_rank, t.deleted_at_id] AS deleted_at,
       EXISTS { (c)<-[:CONTAINS]-(:AvailabilityZone) } AS zoned
