// The compute node of one nova-compute host.
// $hostname: the service's host
MATCH (c:ComputeNode {hostname: $hostname})
RETURN properties(c) AS node
