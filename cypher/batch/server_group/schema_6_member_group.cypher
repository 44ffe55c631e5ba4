// How a group's pairs are forgotten (batch/server_group/forget_members) without a label scan.
CREATE RANGE INDEX server_group_member_group IF NOT EXISTS
FOR (m:ServerGroupMember) ON (m.group)
