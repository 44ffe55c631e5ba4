// An availability zone is its name: every MERGE on it (the zone step's lock) is an index seek.
CREATE CONSTRAINT availability_zone_name IF NOT EXISTS
FOR (z:AvailabilityZone) REQUIRE z.name IS UNIQUE
