// Takes compute nodes out of availability zones: none of their aggregates has that zone any
// more, or they are going away. Found through the edges' own index (their key, "<zone
// name>:<hostname>"), so that no row reads what another row deletes.
// $keys: edge keys
MATCH (:AvailabilityZone)-[r:CONTAINS]->()
WHERE r.key IN $keys
DELETE r
