// The flavor one instance is of (its OF_FLAVOR edge), for the graph client.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $uuid: the instance's uuid
MATCH (:Instance {uuid: $uuid})-[:OF_FLAVOR]->(f:Flavor)
RETURN f.flavorid AS flavorid, f.name AS name, f.vcpus AS vcpus, f.memory_mb AS memory_mb,
       f.root_gb AS root_gb, f.ephemeral_gb AS ephemeral_gb, f.swap AS swap,
       f.rxtx_factor AS rxtx_factor, f.vcpu_weight AS vcpu_weight, f.disabled AS disabled,
       f.is_public AS is_public, f.projects AS projects, f.extra_specs AS extra_specs,
       f.description AS description, f.described AS described
