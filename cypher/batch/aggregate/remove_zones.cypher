// Removes availability zones left empty (empty_zones.cypher, under their lock): a zone is
// there only while a compute node is in it.
// $keys: zone names
MATCH (z:AvailabilityZone)
WHERE z.name IN $keys
DELETE z
