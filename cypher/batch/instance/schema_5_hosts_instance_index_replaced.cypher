// The plain index on HOSTS edges' instance that graphs written by earlier releases hold: the
// uniqueness constraint after it replaces it (Neo4j refuses both on one property).
DROP INDEX hosts_instance IF EXISTS
