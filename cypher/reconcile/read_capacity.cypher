// Whether each compute node (locked) is described, and the stamp of the listing its capacity
// comes from ([_us, _rank, _id], see batch/instance/read.cypher).
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN hostname, c.described AS described,
       [c.capacity_time_us, c.capacity_time_rank, c.capacity_time_id] AS capacity_time
