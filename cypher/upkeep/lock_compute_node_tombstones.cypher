// Takes the write lock on the tombstones about to expire, by key and in key order, before
// their time is read again (upkeep/read_compute_node_tombstones): a batch renewing one (a newer
// deletion) commits first and the tombstone stays; one another synchronizer expired since
// it was listed is made anew without a time, and goes again.
// $keys: sorted hostnames
UNWIND $keys AS key
MERGE (t:ComputeNodeTombstone {hostname: key})
SET t.lock = true
REMOVE t.lock
