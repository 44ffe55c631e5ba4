// Instances without a host: shelved and offloaded, not scheduled yet, or placed on a host
// whose deletion came later. Nova last spoke of each in last_event, at event_time (UTC).
// No parameters.
MATCH (i:Instance)
WHERE i.event_time IS NOT NULL AND NOT EXISTS { (:ComputeNode)-[:HOSTS]->(i) }
RETURN i.uuid AS uuid, i.name AS name, i.state AS state, i.task_state AS task_state,
       i.project_id AS project_id, i.last_event AS last_event, i.event_time AS event_time
ORDER BY event_time, uuid
