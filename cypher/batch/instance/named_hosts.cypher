// Before any lock: what the stored state of these instances names in other families, so that
// the batch locks it with its own keys, in one sorted order: the hosts (their HOSTS edge,
// their authoritative and hinted hosts) and the flavor their OF_FLAVOR edge reaches (its
// flavor_id), which the batch locks only where that edge may change. Read again under lock;
// what changed in between is locked late.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN uuid, i.flavor_id AS flavor_id,
       [hostname IN [c.hostname, i.authoritative_host, i.hinted_host]
        WHERE hostname IS NOT NULL] AS hostnames
