// A flavor deleted after its last description keeps only its key: instances built with it
// still name it, so it stays, as a stub (described = false), while one is of it.
// $keys: flavor ids
MATCH (f:Flavor)
WHERE f.flavorid IN $keys
SET f.described = false,
    f.name = null,
    f.memory_mb = null,
    f.vcpus = null,
    f.root_gb = null,
    f.ephemeral_gb = null,
    f.swap = null,
    f.rxtx_factor = null,
    f.vcpu_weight = null,
    f.disabled = null,
    f.is_public = null,
    f.projects = null,
    f.extra_specs = null,
    f.description = null,
    f.event_time = null,
    f.event_time_us = null,
    f.event_time_rank = null,
    f.event_time_id = null,
    f.last_event = null
