// Removes deleted server groups with their HAS_MEMBER edges, and placeholders that no event
// of the batch realized.
// $keys: server group uuids
MATCH (g:ServerGroup)
WHERE g.uuid IN $keys
DETACH DELETE g
