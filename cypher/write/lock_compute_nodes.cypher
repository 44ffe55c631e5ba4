// Takes the write lock on every compute node a batch may touch, in a fixed (sorted) order, so
// that concurrent synchronizers serialize per host instead of reading values another
// transaction is about to change. A host not in the graph yet is created as an undescribed
// stub; collect_stub_compute_nodes removes it at the end if nothing came to rest on it.
// $keys: sorted list of hostnames.
UNWIND $keys AS hostname
MERGE (c:ComputeNode {hostname: hostname})
  ON CREATE SET c.described = false
SET c.lock = true
REMOVE c.lock
