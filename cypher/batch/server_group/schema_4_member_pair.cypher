// One ServerGroupMember pair per group and member.
CREATE CONSTRAINT server_group_member_pair IF NOT EXISTS
FOR (m:ServerGroupMember) REQUIRE (m.group, m.instance) IS UNIQUE
