// The stored values of the description fields some newest event lacks (a reconcile's: the API
// does not show vcpu_weight), so that the graph keeps those values.
// $keys: flavor ids; $fields: the property names, in the order of each row's values
UNWIND $keys AS flavorid
MATCH (f:Flavor {flavorid: flavorid})
RETURN flavorid, [name IN $fields | f[name]] AS values
