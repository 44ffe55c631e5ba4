// Deletes again the compute nodes browser/lock_compute_nodes made anew (nothing rests on
// them: they exist only in the transaction that locked them).
// $keys: hostnames
MATCH (c:ComputeNode)
WHERE c.hostname IN $keys
DELETE c
