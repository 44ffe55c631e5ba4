// The instances on compute nodes being deleted, with the stamp of each one's placement there
// ([since_us, since_rank, since_id], see batch/instance/read.cypher).
// $keys: hostnames
UNWIND $keys AS hostname
MATCH (:ComputeNode {hostname: hostname})-[r:HOSTS]->(:Instance)
RETURN hostname, r.instance AS uuid, [r.since_us, r.since_rank, r.since_id] AS since
