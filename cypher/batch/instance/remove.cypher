// Removes deleted instances, and placeholders that no event of the batch realized.
// $keys: instance uuids
MATCH (i:Instance)
WHERE i.uuid IN $keys
DETACH DELETE i
