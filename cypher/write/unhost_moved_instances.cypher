// Removes the HOSTS edges that no longer say where the instance is. Returns the hosts left
// behind, which may now be empty stubs.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (c:ComputeNode)-[r:HOSTS]->(i:Instance {uuid: uuid})
WHERE i.host IS NULL OR c.hostname <> i.host OR r.since <> i.host_since
DELETE r
RETURN collect(DISTINCT c.hostname) AS hostnames
