// Removes deleted aggregates, and placeholders that no event of the batch realized, with
// their CONTAINS edges (their hosts are locked: the zone step recomputes their zones).
// $keys: aggregate uuids
MATCH (a:Aggregate)
WHERE a.uuid IN $keys
DETACH DELETE a
