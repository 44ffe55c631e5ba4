// In the lock step, once the batch's instances are locked and before any server group is:
// the groups naming each instance (their ServerGroupMember pairs, an index seek by
// instance), and whether the instance exists (a placeholder its lock just made has no
// event_time). Every batch that changes the pairs naming an instance holds its lock, so the
// answer holds until the batch commits. Nothing else is read where no group names one.
// $keys: instance uuids
UNWIND $keys AS uuid
MATCH (m:ServerGroupMember {instance: uuid})
MATCH (i:Instance {uuid: uuid})
RETURN uuid, m.group AS group, i.event_time_us IS NOT NULL AS exists
