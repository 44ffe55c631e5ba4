// Takes the write lock on the tombstones about to expire, by key and in key order, before
// their time is read again (upkeep/read_aggregate_tombstones): a batch renewing one (a newer
// deletion) commits first and the tombstone stays; one another synchronizer expired since
// it was listed is made anew without a time, and goes again.
// $keys: sorted aggregate uuids
UNWIND $keys AS key
MERGE (t:AggregateTombstone {uuid: key})
SET t.lock = true
REMOVE t.lock
