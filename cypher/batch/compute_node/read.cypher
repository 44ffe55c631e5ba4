// What the guards need of the compute nodes a batch touches (locked, so present): whether
// each is described, the time of its description and its tombstone, as integers
// (microseconds since the epoch). The description itself is read only where an event lacks
// some of it (read_described.cypher).
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
OPTIONAL MATCH (t:ComputeNodeTombstone {hostname: hostname})
RETURN hostname, c.described AS described,
       c.service_event_time_us AS service_event_time_us, t.deleted_at_us AS deleted_at_us
