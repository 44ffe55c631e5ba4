// What the graph holds of the instances a batch touches (locked, so present: a placeholder
// has no event_time), with their tombstone and HOSTS edge.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
OPTIONAL MATCH (t:InstanceTombstone {uuid: uuid})
OPTIONAL MATCH (c:ComputeNode)-[r:HOSTS]->(i)
RETURN uuid, properties(i) AS properties, t.deleted_at AS deleted_at,
       c.hostname AS hostname, r.since AS since
