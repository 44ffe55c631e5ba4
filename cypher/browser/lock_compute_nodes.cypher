// Takes the write lock on the compute nodes whose display labels are set, in hostname order as
// the synchronizer's batches take them (batch/compute_node/lock), so that the two wait for
// each other rather than deadlock, and no batch deletes a node while its labels are set.
// Taken by its key: a node a batch deleted since its name was read is found gone only here,
// and made anew as a batch makes a host it does not know, an undescribed stub that hosts
// nothing (browser/vanished_compute_nodes), to be deleted again before the labels are set.
// $keys: sorted hostnames
UNWIND $keys AS hostname
MERGE (c:ComputeNode {hostname: hostname})
  ON CREATE SET c.described = false
SET c.lock = true
REMOVE c.lock
