// The instances a Watcher compute audit scope excludes (cdm_graph.watcher.scope), among
// those the scope's compute nodes host: by uuid, by project, or (when the strategy checks
// metadata) by having every excluded metadata key, its value equal but for case, as
// Watcher's ComputeScope compares them. They stay in the model, marked watcher_exclude.
// The nodes are sought by hostname (index seeks), their instances by their HOSTS edges.
// Parameters:
//   $hostnames (list): the compute nodes in scope (watcher/scope_compute_nodes)
//   $uuids (list): excluded instances; $projects (list): excluded projects' ids
//   $metadata (list of {key, value}; empty: none): excluded metadata
UNWIND $hostnames AS hostname
MATCH (:ComputeNode {hostname: hostname})-[:HOSTS]->(i:Instance)
WHERE i.uuid IN $uuids
   OR i.project_id IN $projects
   OR (size($metadata) > 0
       AND all(pair IN $metadata WHERE any(entry IN coalesce(i.metadata, [])
             WHERE entry STARTS WITH pair.key + '='
               AND toLower(substring(entry, size(pair.key) + 1)) = toLower(pair.value))))
RETURN i.uuid AS uuid
ORDER BY uuid
