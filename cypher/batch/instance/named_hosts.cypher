// Before any lock: the hosts the stored state of these instances names (their HOSTS edge, their
// authoritative and hinted hosts), so that the batch locks them with its own hosts, in one
// sorted order. Read again under lock; a host that changed in between is locked late.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
UNWIND [c.hostname, i.authoritative_host, i.hinted_host] AS hostname
WITH DISTINCT hostname WHERE hostname IS NOT NULL
RETURN hostname
