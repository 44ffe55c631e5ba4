CREATE CONSTRAINT instance_tombstone_uuid IF NOT EXISTS
FOR (t:InstanceTombstone) REQUIRE t.uuid IS UNIQUE
