// Size of the graph, for the results.
CALL () { MATCH (c:ComputeNode) RETURN count(c) AS compute_nodes }
CALL () { MATCH (i:Instance) RETURN count(i) AS instances }
RETURN compute_nodes, instances
