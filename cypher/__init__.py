"""The Cypher statements of cdm-graph, one per file, loaded by cdm_graph.statements."""
