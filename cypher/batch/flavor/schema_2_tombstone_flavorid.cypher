CREATE CONSTRAINT flavor_tombstone_flavorid IF NOT EXISTS
FOR (t:FlavorTombstone) REQUIRE t.flavorid IS UNIQUE
