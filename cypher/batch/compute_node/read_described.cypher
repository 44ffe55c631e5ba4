// The stored values of the description fields some newest event lacks (a reconcile's:
// /os-services does not show the service version), so that the graph keeps those values.
// $keys: hostnames; $fields: the property names, in the order of each row's values
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN hostname, [name IN $fields | c[name]] AS values
