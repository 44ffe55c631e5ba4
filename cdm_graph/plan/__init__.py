"""Plan: from a batch of events and what the graph holds, the writes that apply the batch.

A batch is first *folded*, per family and per element: the newest event of each kind (its
description, its authoritative host, a host hint, its deletion). Folding keeps only maxima,
so the fold is the same whatever the order of the events and however often each repeats. The
fold is then *resolved* against the stored state of the same elements, by the same rule
(``cdm_graph.plan.clock``), into plain writes. Nova's clock decides everything here, in
Python, where it is tested on its own; the Cypher in ``cypher/batch`` only writes what it is
given, which is also what keeps its plans free of Eager operators.
"""
