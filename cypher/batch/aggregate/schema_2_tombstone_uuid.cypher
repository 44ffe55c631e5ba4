CREATE CONSTRAINT aggregate_tombstone_uuid IF NOT EXISTS
FOR (t:AggregateTombstone) REQUIRE t.uuid IS UNIQUE
