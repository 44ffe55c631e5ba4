// Draws the HOSTS edge from the instance's host, creating a compute node not described yet
// (described = false) when the host is unknown, unless that host was deleted after the
// event that placed the instance there.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (i:Instance {uuid: uuid})
WHERE i.host IS NOT NULL
OPTIONAL MATCH (t:ComputeNodeTombstone {hostname: i.host})
WITH i, t
WHERE t IS NULL OR i.host_since > t.deleted_at
MERGE (c:ComputeNode {hostname: i.host})
  ON CREATE SET c.described = false
MERGE (c)-[r:HOSTS]->(i)
  ON CREATE SET r.since = i.host_since
