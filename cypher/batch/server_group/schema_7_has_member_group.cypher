// How a group's HAS_MEMBER edges are removed (batch/server_group/unlink): a delete fed by an
// index seek needs no Eager.
CREATE RANGE INDEX has_member_group IF NOT EXISTS
FOR ()-[r:HAS_MEMBER]-() ON (r.group)
