"""The read side: the compute data model as Watcher strategies, analysts and the Neo4j Browser
read it.

* ``models``: ``ComputeNode`` and ``Instance`` under Watcher's names; the not-found errors.
* ``protocol``: ``ModelReader``, Watcher's ``ModelRoot`` read API written once over a few
  primitives that each model provides.
* ``client``: ``GraphClient``, the model live in Neo4j (the public entry for strategies).
* ``snapshot``: ``Snapshot``, the whole model in memory, which a strategy may change.
* ``watcher``: a real Watcher ``ModelRoot`` from a snapshot (python-watcher, imported lazily).
* ``queries``: the analysts' named queries of ``cypher/queries/``.
* ``browser``: the Neo4j Browser's style and the display labels it styles by.

It reaches Neo4j through ``cdm_graph.gateway`` only, and never imports the write side (a unit
test checks it).
"""
