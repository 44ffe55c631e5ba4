// At most one OF_FLAVOR edge per instance, guaranteed by the database: each edge carries its
// instance's uuid, unique among OF_FLAVOR edges. Its index is also how edges are removed (a
// delete fed by an index seek needs no Eager, see batch/instance/unflavor).
CREATE CONSTRAINT of_flavor_one_per_instance IF NOT EXISTS
FOR ()-[r:OF_FLAVOR]-() REQUIRE r.instance IS UNIQUE
