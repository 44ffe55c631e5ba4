// Removes compute nodes that are neither described nor host anything.
// $keys: hostnames
MATCH (c:ComputeNode)
WHERE c.hostname IN $keys
DETACH DELETE c
