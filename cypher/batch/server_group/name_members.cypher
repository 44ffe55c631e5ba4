// Writes one ServerGroupMember pair for each member a server group's newest list names,
// instance or not yet: how an instance batch finds the groups waiting for it
// (batch/instance/named and batch/instance/read, an index seek by instance). The batch holds
// the lock of every instance named.
// $rows: [{group, instance}]
UNWIND $rows AS row
CREATE (:ServerGroupMember {group: row.group, instance: row.instance})
