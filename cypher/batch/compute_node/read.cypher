// What the graph holds of the compute nodes a batch touches (locked, so present), with
// their tombstone.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
OPTIONAL MATCH (t:ComputeNodeTombstone {hostname: hostname})
RETURN hostname, c.described AS described, c.service_event_time AS service_event_time,
       t.deleted_at AS deleted_at, properties(c) AS properties
