// Forgets the ServerGroupMember pairs of these server groups, deleted or whose member list
// the batch draws anew (batch/server_group/write writes the new list's).
// $keys: server group uuids
MATCH (m:ServerGroupMember)
WHERE m.group IN $keys
DELETE m
