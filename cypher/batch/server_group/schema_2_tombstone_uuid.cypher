CREATE CONSTRAINT server_group_tombstone_uuid IF NOT EXISTS
FOR (t:ServerGroupTombstone) REQUIRE t.uuid IS UNIQUE
