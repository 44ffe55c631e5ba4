"""The Neo4j Browser view of the graph: a GraSS style file and the labels it styles by.

The Browser's GraSS selects nodes by label only (``node.Label``), never by property, so the
state, status and load of a compute node are shown through display labels that
``label_compute_nodes`` derives from its properties and its instances (``cdm-graph browser
label``). They are a picture of one moment: run it again (or on a timer) to refresh them.
Setting them is the read side's one write, in a write transaction of the gateway.
``docs/browser.md`` says how to load the style.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import neo4j

from cdm_graph.gateway import Gateway, run

STYLE = "browser/cdm-graph.grass"
# Load bands, as fractions of capacity; beyond 1.0 a node is overcommitted (LoadOver).
MEDIUM_LOAD = 0.5
HIGH_LOAD = 0.8
# One line, so that it can be typed into the Browser's editor as it is.
VIEW_QUERY = "MATCH (c:ComputeNode) OPTIONAL MATCH p = (c)-[:HOSTS]->(:Instance) RETURN c, p"


def style_file() -> Traversable:
    """The GraSS file shipped with cdm-graph."""
    return resources.files("cdm_graph.cypher").joinpath(STYLE)


def style() -> str:
    return style_file().read_text(encoding="utf-8")


def label_compute_nodes(
    gateway: Gateway, medium: float = MEDIUM_LOAD, high: float = HIGH_LOAD
) -> int:
    """Set the display labels of every compute node, in one write transaction of the
    gateway; returns how many were labelled."""

    def work(tx: neo4j.ManagedTransaction) -> int:
        record = run(tx, "browser/label_compute_nodes", medium=medium, high=high).single()
        return int(record["labelled"]) if record else 0

    return gateway.write(work)
