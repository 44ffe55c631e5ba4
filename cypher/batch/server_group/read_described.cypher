// The stored values of the description fields some newest event lacks (a reconcile's listing
// read before microversion 2.64 does not show rules), so that the graph keeps those values.
// $keys: server group uuids; $fields: the property names, in the order of each row's values
UNWIND $keys AS uuid
MATCH (g:ServerGroup {uuid: uuid})
RETURN uuid, [name IN $fields | g[name]] AS values
