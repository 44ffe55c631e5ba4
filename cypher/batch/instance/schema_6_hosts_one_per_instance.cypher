// At most one HOSTS edge per instance, guaranteed by the database: each edge carries its
// instance's uuid, unique among HOSTS edges. Its index is also how edges are removed (a
// delete fed by an index seek needs no Eager).
CREATE CONSTRAINT hosts_one_per_instance IF NOT EXISTS
FOR ()-[r:HOSTS]-() REQUIRE r.instance IS UNIQUE
