// Aggregates' and zones' CONTAINS edges are removed by their key (unlink, unzone): a delete
// fed by an index seek needs no Eager.
CREATE RANGE INDEX contains_key IF NOT EXISTS
FOR ()-[r:CONTAINS]-() ON (r.key)
