// Describes each flavor as its newest flavor event says (see batch/instance/write.cypher for
// how clocks are kept). extra_specs is a list of "key=value" and projects a sorted list of
// project ids, both filterable in Cypher:
//   MATCH (f:Flavor) WHERE 'hw:numa_nodes=2' IN f.extra_specs
// $rows: [{flavorid, properties: {...every key below...}}]
UNWIND $rows AS row
MATCH (f:Flavor {flavorid: row.flavorid})
WITH f, row.properties AS p
SET f.described = true,
    f.name = p.name,
    f.memory_mb = p.memory_mb,
    f.vcpus = p.vcpus,
    f.root_gb = p.root_gb,
    f.ephemeral_gb = p.ephemeral_gb,
    f.swap = p.swap,
    f.rxtx_factor = p.rxtx_factor,
    f.vcpu_weight = p.vcpu_weight,
    f.disabled = p.disabled,
    f.is_public = p.is_public,
    f.projects = p.projects,
    f.extra_specs = p.extra_specs,
    f.description = p.description,
    f.event_time_us = p.event_time_us,
    f.event_time_rank = p.event_time_rank,
    f.event_time_id = p.event_time_id,
    f.event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: p.event_time_us}),
    f.last_event = p.last_event
