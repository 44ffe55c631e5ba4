"""Reading the graph back as plain data, to compare graphs and to assert on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import neo4j
import neo4j.time

from cdm_graph.statements import CypherFolder

# The tests' own statements, loaded as the product's are.
CYPHER = CypherFolder(Path(__file__).resolve().parent / "cypher")



def read_graph(driver: neo4j.Driver) -> dict[str, dict[str, Any]]:
    """Every element with its properties; an instance's ``hosted_by`` is its HOSTS edges, as
    (hostname, the edge's properties), sorted, and its ``of_flavor`` the flavor ids its
    OF_FLAVOR edges reach, sorted; a server group's ``has_member`` the instances
    its HAS_MEMBER edges reach, sorted; ``ServerGroupMember`` the pairs the group family
    keeps to find its members, keyed "group instance"; an aggregate's and a zone's
    ``contains`` the hostnames of its CONTAINS edges, sorted."""
    graph: dict[str, dict[str, Any]] = {
        "ComputeNode": {},
        "Instance": {},
        "InstanceTombstone": {},
        "ComputeNodeTombstone": {},
        "Flavor": {},
        "FlavorTombstone": {},
    }
    hosted_by: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    records, _, _ = driver.execute_query(CYPHER.load("graph"))
    for record in records:
        graph[record["label"]][record["key"]] = dict(record["props"])
        if record["label"] == "Instance":
            graph["Instance"][record["key"]]["of_flavor"] = sorted(record["flavors"])
        for edge in record["hosts"]:
            if edge["uuid"] is not None:
                hosted_by.setdefault(edge["uuid"], []).append((record["key"], edge["props"]))
    for uuid, props in graph["Instance"].items():
        props["hosted_by"] = sorted(hosted_by.get(uuid, []), key=lambda edge: edge[0])
    graph.update(ServerGroup={}, ServerGroupTombstone={}, ServerGroupMember={})
    records, _, _ = driver.execute_query(CYPHER.load("server_groups"))
    for record in records:
        graph[record["label"]][record["key"]] = dict(record["props"])
        if record["label"] == "ServerGroup":
            graph["ServerGroup"][record["key"]]["has_member"] = sorted(record["has_member"])
    graph.update(Aggregate={}, AggregateTombstone={}, AvailabilityZone={})
    records, _, _ = driver.execute_query(CYPHER.load("aggregates"))
    for record in records:
        props = dict(record["props"])
        if "contains" in props:
            props["contains"] = sorted(props["contains"])
        graph[record["label"]][record["key"]] = props
    return graph


def native(value: Any) -> Any:
    """A graph as ``read_graph`` returns it, with Neo4j's temporal values as Python's."""
    if isinstance(value, dict):
        return {key: native(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(native(item) for item in value)
    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date | neo4j.time.Time):
        return value.to_native()
    return value


def hosts_of(graph: dict[str, dict[str, Any]], uuid: str) -> list[str]:
    return [hostname for hostname, _ in graph["Instance"][uuid]["hosted_by"]]




# The kinds of element of NovaSimulator.truth() (cdm_graph.simulate.cloud_truth), in the
# order differences are reported.
TRUTH_KINDS = (
    "compute_nodes",
    "instances",
    "aggregates",
    "zones",
    "server_groups",
    "flavors",
)


def read_truth_view(driver: neo4j.Driver) -> dict[str, dict[str, Any]]:
    """The graph in the simulator's terms (``NovaSimulator.truth()``), to compare with it."""
    view: dict[str, dict[str, Any]] = {kind: {} for kind in TRUTH_KINDS}
    records, _, _ = driver.execute_query(CYPHER.load("truth_view"))
    for record in records:
        view[record["kind"]][record["key"]] = dict(record["view"])
    return view


def _element_differences(expected: dict[str, Any], actual: dict[str, Any]) -> str:
    """The fields of one element that differ, each with what was expected and what is."""
    fields = sorted(expected.keys() | actual.keys())
    return "; ".join(
        f"{name} expected {expected.get(name)!r}, got {actual.get(name)!r}"
        for name in fields
        if expected.get(name) != actual.get(name)
    )


def truth_differences(
    truth: dict[str, dict[str, Any]], graph: dict[str, dict[str, Any]], limit: int = 10
) -> list[str]:
    """What differs, element by element, as lines a failing assertion can show; empty when
    they agree. Every kind either side has is compared (a kind one side lacks is empty)."""
    lines: list[str] = []
    kinds = [*TRUTH_KINDS, *sorted((truth.keys() | graph.keys()) - set(TRUTH_KINDS))]
    for kind in kinds:
        expected, actual = truth.get(kind, {}), graph.get(kind, {})
        for key in sorted(expected.keys() - actual.keys()):
            lines.append(f"{kind} {key}: missing from the graph (expected {expected[key]})")
        for key in sorted(actual.keys() - expected.keys()):
            lines.append(f"{kind} {key}: in the graph but not in the truth: {actual[key]}")
        for key in sorted(expected.keys() & actual.keys()):
            if expected[key] != actual[key]:
                lines.append(f"{kind} {key}: {_element_differences(expected[key], actual[key])}")
    return lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])
