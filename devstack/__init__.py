"""The repository's development stack: a local Neo4j and RabbitMQ for ``tools/run-local``,
``tools/run-tests`` and the functional tests (``tools/stack up|down|status``).

Not part of cdm-graph: pyproject.toml does not package it, and ``cdm_graph`` never imports it.
cdm-graph finds the stack through the configuration file ``tools/stack up`` writes.
"""
