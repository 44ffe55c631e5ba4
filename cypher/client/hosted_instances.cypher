// The instances one compute node hosts.
// $hostname: the compute node's hostname
MATCH (:ComputeNode {hostname: $hostname})-[:HOSTS]->(i:Instance)
RETURN properties(i) AS instance, $hostname AS hostname
ORDER BY i.uuid
