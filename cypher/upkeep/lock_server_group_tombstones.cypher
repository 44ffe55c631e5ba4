// Takes the write lock on the tombstones about to expire, by key and in key order, before
// their time is read again (upkeep/read_server_group_tombstones): a batch renewing one (a newer
// deletion) commits first and the tombstone stays; one another synchronizer expired since
// it was listed is made anew without a time, and goes again.
// $keys: sorted server group uuids
UNWIND $keys AS key
MERGE (t:ServerGroupTombstone {uuid: key})
SET t.lock = true
REMOVE t.lock
