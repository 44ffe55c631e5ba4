// HOSTS edges are removed through this index: a delete fed by an index seek needs no Eager.
CREATE RANGE INDEX hosts_instance IF NOT EXISTS
FOR ()-[r:HOSTS]-() ON (r.instance)
