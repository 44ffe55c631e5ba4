// For the zone step, once the batch's writes are done: each host's availability zones now,
// and the zones of the aggregates containing it (null: an aggregate with no zone). Its
// aggregates and their zones cannot change meanwhile: every batch that changes them holds
// the host's lock.
// $keys: hostnames (locked, so present)
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
RETURN hostname,
       [(z:AvailabilityZone)-[:CONTAINS]->(c) | z.name] AS zones,
       [(a:Aggregate)-[:CONTAINS]->(c) | a.availability_zone] AS aggregate_zones
