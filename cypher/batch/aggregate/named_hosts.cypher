// Before any lock: the compute nodes these aggregates contain now, so that the batch locks
// them with the hosts its events name, in one sorted order (it may drop those edges, or
// change their zone). Read again under lock; a host added in between is locked late.
// $keys: aggregate uuids
UNWIND $keys AS uuid
MATCH (:Aggregate {uuid: uuid})-[:CONTAINS]->(c:ComputeNode)
RETURN DISTINCT c.hostname AS hostname
