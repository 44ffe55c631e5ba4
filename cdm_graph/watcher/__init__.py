"""Watcher audits on the graph: Watcher's own strategies, selectable by name, reading their
compute model from cdm-graph's Neo4j instead of Nova.

* ``options``: the ``[cdm_graph]`` group of Watcher's configuration (the graph's Neo4j).
* ``scope``: Watcher's compute audit scope (zones, aggregates, exclusions) resolved in Cypher.
* ``model``: the scoped Watcher ``ModelRoot`` built from a snapshot of the graph.
* ``strategies``: ``GraphComputeModel``, the one mixin that gives a strategy that model, and
  the strategies Watcher loads from the ``watcher_strategies`` entry points
  (``graph_host_maintenance``, ``graph_node_resource_consolidation``).

It is the read side's consumer: it reads through ``cdm_graph.read`` and ``cdm_graph.gateway``
only, and python-watcher (the ``watcher`` extra) is imported by ``model`` and
``strategies``, which Watcher's decision engine loads.
"""
