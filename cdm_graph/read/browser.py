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
# The cloud's groupings: each compute node in its availability zones and aggregates, and the
# server groups whose members it hosts.
GROUPINGS_VIEW_QUERY = (
    "MATCH (c:ComputeNode) OPTIONAL MATCH z = (:AvailabilityZone)-[:CONTAINS]->(c) "
    "OPTIONAL MATCH a = (:Aggregate)-[:CONTAINS]->(c) "
    "OPTIONAL MATCH g = (:ServerGroup)-[:HAS_MEMBER]->(:Instance)<-[:HOSTS]-(c) "
    "RETURN c, z, a, g"
)


def style_file() -> Traversable:
    """The GraSS file shipped with cdm-graph."""
    return resources.files("cdm_graph.cypher").joinpath(STYLE)


def style() -> str:
    return style_file().read_text(encoding="utf-8")


def label_compute_nodes(
    gateway: Gateway, medium: float = MEDIUM_LOAD, high: float = HIGH_LOAD
) -> int:
    """Set the display labels of every compute node, in one write transaction of the
    gateway; returns how many were labelled.

    The nodes are locked first, by key and in the synchronizer's order: a node a batch
    deletes meanwhile is either deleted before the lock (found gone, and skipped) or after
    the labels are set, never under the statement that sets them."""

    def work(tx: neo4j.ManagedTransaction) -> int:
        hostnames = [record["hostname"] for record in run(tx, "browser/compute_node_names")]
        if not hostnames:
            return 0
        run(tx, "browser/lock_compute_nodes", keys=hostnames).consume()
        vanished = [
            record["hostname"]
            for record in run(tx, "browser/vanished_compute_nodes", keys=hostnames)
        ]
        if vanished:
            run(tx, "browser/forget_compute_nodes", keys=vanished).consume()
            gone = set(vanished)
            hostnames = [hostname for hostname in hostnames if hostname not in gone]
        record = run(
            tx, "browser/label_compute_nodes", keys=hostnames, medium=medium, high=high
        ).single()
        return int(record["labelled"]) if record else 0

    return gateway.write(work)
