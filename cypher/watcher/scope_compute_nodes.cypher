// The compute nodes of a Watcher compute audit scope (cdm_graph.watcher.scope): those of the
// named availability zones and host aggregates (every node when the scope names neither),
// less the excluded nodes and the hosts of the excluded aggregates. Watcher asks Nova's
// /os-services and /os-aggregates for this on every audit; the graph holds both
// ((:AvailabilityZone)-[:CONTAINS]->(:ComputeNode), (:Aggregate)-[:CONTAINS]->(:ComputeNode)).
// Zones and aggregates are few: each node's are checked by its own CONTAINS edges.
// Parameters:
//   $restricted (bool): the scope names zones or aggregates
//   $all_zones (bool): it names every zone ('*'); $zones (list of names)
//   $all_aggregates (bool): it names every aggregate ('*'); $aggregate_ids (list of ints),
//     $aggregate_names (list of names)
//   $excluded_hosts (list of hostnames)
//   $all_excluded_aggregates (bool), $excluded_aggregate_ids (list of ints),
//     $excluded_aggregate_names (list of names): aggregates whose hosts are left out
MATCH (c:ComputeNode)
WHERE (NOT $restricted
       OR ($all_zones AND EXISTS { (:AvailabilityZone)-[:CONTAINS]->(c) })
       OR EXISTS { (z:AvailabilityZone)-[:CONTAINS]->(c) WHERE z.name IN $zones }
       OR ($all_aggregates AND EXISTS { (:Aggregate)-[:CONTAINS]->(c) })
       OR EXISTS {
         (a:Aggregate)-[:CONTAINS]->(c)
         WHERE a.id IN $aggregate_ids OR a.name IN $aggregate_names
       })
  AND NOT c.hostname IN $excluded_hosts
  AND NOT ($all_excluded_aggregates AND EXISTS { (:Aggregate)-[:CONTAINS]->(c) })
  AND NOT EXISTS {
    (a:Aggregate)-[:CONTAINS]->(c)
    WHERE a.id IN $excluded_aggregate_ids OR a.name IN $excluded_aggregate_names
  }
RETURN c.hostname AS hostname
ORDER BY hostname
