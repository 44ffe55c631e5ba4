// The instances on compute nodes being deleted, with the time each was placed there
// (microseconds since the epoch).
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (:ComputeNode {hostname: hostname})-[r:HOSTS]->(:Instance)
RETURN hostname, r.instance AS uuid, r.since_us AS since_us
