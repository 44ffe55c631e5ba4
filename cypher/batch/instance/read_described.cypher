// The stored description of instances whose newest event lacks some of it (a reconcile's: the
// APIs do not show every field a notification carries), so that the graph keeps those fields.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
RETURN uuid, properties(i) AS properties
