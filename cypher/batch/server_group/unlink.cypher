// Removes every HAS_MEMBER edge of these server groups, whose member list the batch draws
// anew (batch/server_group/write draws the edges of the new list). Found through the edges'
// own index on their group, so that no row reads what another row deletes (no Eager).
// $keys: server group uuids
MATCH ()-[r:HAS_MEMBER]->()
WHERE r.group IN $keys
DELETE r
