// How an instance batch finds the groups naming its instances (batch/instance/named, read).
CREATE RANGE INDEX server_group_member_instance IF NOT EXISTS
FOR (m:ServerGroupMember) ON (m.instance)
