// Removes flavors that are neither described nor the flavor of any instance.
// $keys: flavor ids
MATCH (f:Flavor)
WHERE f.flavorid IN $keys
DETACH DELETE f
