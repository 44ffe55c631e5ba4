// Takes the write lock on the availability zones a batch changes, by name in sorted order,
// last of all the batch's locks and in this one statement: no batch takes a lock after it,
// so zones, which any batch may touch, wait in no cycle. A missing zone is created here; the
// zone step links a compute node to it next, and removes the zones left empty.
// $keys: sorted zone names
UNWIND $keys AS name
MERGE (z:AvailabilityZone {name: name})
SET z.lock = true
REMOVE z.lock
