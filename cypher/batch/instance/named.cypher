// Before any lock: what the stored state of these instances names in other families, so that
// the batch locks it with its own keys, in one sorted order: the hosts (their HOSTS edge,
// their authoritative and hinted hosts), the flavor their OF_FLAVOR edge reaches (its
// flavor_id), which the batch locks only where that edge may change, and the server groups
// whose member lists name them (their ServerGroupMember pairs, an index seek by instance),
// which it locks only for an instance that may appear (it does not exist: no node, or a
// placeholder without event_time) or go. Read again under lock (read.cypher); what changed in
// between is locked late.
// $keys: instance uuids
UNWIND $keys AS uuid
OPTIONAL MATCH (i:Instance {uuid: uuid})
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN uuid, i.flavor_id AS flavor_id, i.event_time_us IS NOT NULL AS exists,
       [hostname IN [c.hostname, i.authoritative_host, i.hinted_host]
        WHERE hostname IS NOT NULL] AS hostnames,
       COLLECT { MATCH (m:ServerGroupMember {instance: uuid}) RETURN m.group } AS waiting
