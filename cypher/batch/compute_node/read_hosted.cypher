// The instances on compute nodes being deleted, with the time each was placed there.
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (:ComputeNode {hostname: hostname})-[r:HOSTS]->(:Instance)
RETURN hostname, r.instance AS uuid, r.since AS since
