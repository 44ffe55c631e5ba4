// Whether each compute node (locked) is described, and the time of the listing its capacity
// comes from.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN hostname, c.described AS described, c.capacity_time_us AS capacity_time_us
