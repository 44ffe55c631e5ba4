// Removes the HOSTS edge of these instances (each has at most one). Found through the
// edges' own index, so that no row reads what another row deletes.
// $keys: instance uuids
MATCH ()-[r:HOSTS]->()
WHERE r.instance IN $keys
DELETE r
