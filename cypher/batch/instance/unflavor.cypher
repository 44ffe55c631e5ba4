// Removes the OF_FLAVOR edge of these instances (each has at most one): their flavor changed
// (a resize), or their description went. The flavor left behind is locked, and removed by
// the batch's cleanup if it is a stub no instance is of any more.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (:Instance {uuid: uuid})-[r:OF_FLAVOR]->(:Flavor)
DELETE r
