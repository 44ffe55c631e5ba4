// Writes the whole state of each instance, as Nova's newest event describes it and with
// what is known of its host. Every property is named: a property set to null is removed.
// metadata and extra_specs are lists of "key=value", filterable in Cypher:
//   MATCH (i:Instance) WHERE 'tier=gold' IN i.metadata
// $rows: [{uuid, properties: {...every key below...}}]
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
WITH i, row.properties AS p
SET i.name = p.name,
    i.description = p.description,
    i.state = p.state,
    i.power_state = p.power_state,
    i.task_state = p.task_state,
    i.project_id = p.project_id,
    i.user_id = p.user_id,
    i.availability_zone = p.availability_zone,
    i.image_uuid = p.image_uuid,
    i.key_name = p.key_name,
    i.architecture = p.architecture,
    i.locked = p.locked,
    i.locked_reason = p.locked_reason,
    i.created_at = p.created_at,
    i.launched_at = p.launched_at,
    i.terminated_at = p.terminated_at,
    i.updated_at = p.updated_at,
    i.flavor_name = p.flavor_name,
    i.flavor_id = p.flavor_id,
    i.vcpus = p.vcpus,
    i.memory_mb = p.memory_mb,
    i.root_gb = p.root_gb,
    i.ephemeral_gb = p.ephemeral_gb,
    i.swap_mb = p.swap_mb,
    i.disk_gb = p.disk_gb,
    i.metadata = p.metadata,
    i.extra_specs = p.extra_specs,
    i.event_time = p.event_time,
    i.last_event = p.last_event,
    i.host = p.host,
    i.node = p.node,
    i.host_since = p.host_since,
    i.authoritative_at = p.authoritative_at,
    i.authoritative_host = p.authoritative_host,
    i.authoritative_node = p.authoritative_node,
    i.hinted_at = p.hinted_at,
    i.hinted_host = p.hinted_host,
    i.hinted_node = p.hinted_node
