// Takes the write lock on the compute nodes whose capacity a reconcile may write, before it
// reads their capacity_time: a concurrent reconcile or service deletion waits. Unlike
// batch/compute_node/lock, a host not in the graph is not created: capacity only goes to
// described compute nodes.
// $keys: sorted hostnames
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
SET c.lock = true
REMOVE c.lock
