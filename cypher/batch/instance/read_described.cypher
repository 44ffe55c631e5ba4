// The stored values of the description fields some newest event lacks (a reconcile's: the APIs
// do not show every field a notification carries), so that the graph keeps those values.
// $keys: instance uuids; $fields: the property names, in the order of each row's values
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
RETURN uuid, [name IN $fields | i[name]] AS values
