// Flavors, described or known only as a flavor id instances name, for the graph client:
// all of them, or one by flavor id.
// Columns: the fields the client's read models take (cdm_graph.read.models), no more.
// $flavorid (optional): only the flavor with this flavor id
CALL () {
  MATCH (f:Flavor) WHERE $flavorid IS NULL RETURN f
  UNION
  MATCH (f:Flavor {flavorid: $flavorid}) RETURN f
}
RETURN f.flavorid AS flavorid, f.name AS name, f.vcpus AS vcpus, f.memory_mb AS memory_mb,
       f.root_gb AS root_gb, f.ephemeral_gb AS ephemeral_gb, f.swap AS swap,
       f.rxtx_factor AS rxtx_factor, f.vcpu_weight AS vcpu_weight, f.disabled AS disabled,
       f.is_public AS is_public, f.projects AS projects, f.extra_specs AS extra_specs,
       f.description AS description, f.described AS described
ORDER BY flavorid
