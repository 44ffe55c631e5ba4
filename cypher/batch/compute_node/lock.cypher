// Takes the write lock on every compute node a batch may touch, in sorted order, before the
// batch reads anything: concurrent synchronizers then wait for each other instead of
// deciding on what another transaction is changing. A host not in the graph yet is created
// as an undescribed stub; the plan removes it again if nothing comes to rest on it.
// $keys: sorted hostnames
UNWIND $keys AS hostname
MERGE (c:ComputeNode {hostname: hostname})
  ON CREATE SET c.described = false
SET c.lock = true
REMOVE c.lock
