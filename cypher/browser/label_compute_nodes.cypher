// Display labels of the Neo4j Browser view (cypher/browser/cdm-graph.grass). GraSS styles a
// node by its labels only, so what the view shows becomes labels: Enabled or Disabled
// (status), Up or Down (state), Undescribed (known only from instance events), and the load,
// the larger of vCPU and memory used / capacity as Watcher computes it: LoadLow, LoadMedium
// from $medium, LoadHigh from $high, LoadOver beyond 1, LoadUnknown without capacity.
// Nodes are labelled in hostname order, the order the synchronizer locks them in, so that the
// two wait for each other rather than deadlock: the ORDER BY stands right before the writes,
// since an aggregation does not keep the order of its input.
// $medium, $high: fractions of capacity (floats)
MATCH (c:ComputeNode)
WITH c ORDER BY c.hostname
OPTIONAL MATCH (c)-[:HOSTS]->(i:Instance)
WITH c, sum(i.vcpus) AS used_vcpus, sum(i.memory_mb) AS used_memory_mb
WITH c, [load IN [
       CASE WHEN c.vcpus - coalesce(c.vcpu_reserved, 0) > 0
         THEN toFloat(used_vcpus)
              / ((c.vcpus - coalesce(c.vcpu_reserved, 0)) * coalesce(c.vcpu_ratio, 1.0)) END,
       CASE WHEN c.memory_mb - coalesce(c.memory_mb_reserved, 0) > 0
         THEN toFloat(used_memory_mb)
              / ((c.memory_mb - coalesce(c.memory_mb_reserved, 0))
                 * coalesce(c.memory_ratio, 1.0)) END
     ] WHERE load IS NOT NULL] AS loads
WITH c, loads, reduce(highest = 0.0, load IN loads |
       CASE WHEN load > highest THEN load ELSE highest END) AS load
WITH c, [
       CASE
         WHEN size(loads) = 0 THEN 'LoadUnknown'
         WHEN load > 1.0 THEN 'LoadOver'
         WHEN load >= $high THEN 'LoadHigh'
         WHEN load >= $medium THEN 'LoadMedium'
         ELSE 'LoadLow'
       END,
       CASE c.status WHEN 'enabled' THEN 'Enabled' WHEN 'disabled' THEN 'Disabled' END,
       CASE c.state WHEN 'up' THEN 'Up' WHEN 'down' THEN 'Down' END,
       CASE WHEN c.described = false THEN 'Undescribed' END
     ] AS labels
ORDER BY c.hostname
REMOVE c:Enabled:Disabled:Up:Down:Undescribed:LoadUnknown:LoadLow:LoadMedium:LoadHigh:LoadOver
SET c:$([label IN labels WHERE label IS NOT NULL])
RETURN count(c) AS labelled
