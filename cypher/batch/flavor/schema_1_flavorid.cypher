// A flavor is known by Nova's flavorid (what instances name): every MERGE on it is an index
// seek.
CREATE CONSTRAINT flavor_flavorid IF NOT EXISTS
FOR (f:Flavor) REQUIRE f.flavorid IS UNIQUE
