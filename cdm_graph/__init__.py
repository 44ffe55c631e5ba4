"""cdm-graph: the Compute Data Model of an OpenStack cloud, kept in Neo4j."""

__version__ = "0.1.0"
