// Among these availability zones (locked), those that contain no compute node any more.
// $keys: zone names
UNWIND $keys AS name
MATCH (z:AvailabilityZone {name: name})
WHERE NOT (z)-[:CONTAINS]->()
RETURN name
