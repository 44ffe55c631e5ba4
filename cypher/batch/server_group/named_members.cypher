// Before any lock: the members the stored server groups name, so that the batch locks those
// instances with its own, in one sorted order (it may unlink them and forget their pairs).
// Read again under lock; a member named in between is locked late.
// $keys: server group uuids
UNWIND $keys AS uuid
MATCH (g:ServerGroup {uuid: uuid})
UNWIND coalesce(g.members, []) AS member
RETURN DISTINCT member
