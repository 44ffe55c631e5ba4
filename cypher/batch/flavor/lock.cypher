// Takes the write lock on every flavor a batch may touch, in sorted order, before the batch
// reads anything (see batch/compute_node/lock): flavors after compute nodes and before
// instances, the registry's order. A flavor not in the graph yet is created as an
// undescribed stub: an instance batch locks the flavors whose OF_FLAVOR edges it draws or
// removes; the batch's cleanup removes the stub again if no instance is of it.
// $keys: sorted flavor ids
UNWIND $keys AS flavorid
MERGE (f:Flavor {flavorid: flavorid})
  ON CREATE SET f.described = false
SET f.lock = true
REMOVE f.lock
