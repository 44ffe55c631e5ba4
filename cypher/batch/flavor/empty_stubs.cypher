// Among these flavors, those known only from instances that no instance is of any more: a
// stub exists only while an OF_FLAVOR edge reaches it.
// $keys: flavor ids
UNWIND $keys AS flavorid
MATCH (f:Flavor {flavorid: flavorid})
WHERE f.described = false AND NOT ()-[:OF_FLAVOR]->(f)
RETURN flavorid
