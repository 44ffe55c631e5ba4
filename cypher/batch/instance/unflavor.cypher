// Removes the OF_FLAVOR edge of these instances (each has at most one): their flavor changed
// (a resize), or their description went. Found through the edges' own index, so that no row
// reads what another row deletes. The flavor left behind is locked, and removed by the
// batch's cleanup if it is a stub no instance is of any more.
// $keys: instance uuids
MATCH ()-[r:OF_FLAVOR]->()
WHERE r.instance IN $keys
DELETE r
