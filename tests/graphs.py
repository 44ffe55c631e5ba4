"""Reading the graph back as plain data, to compare graphs and to assert on them."""

from __future__ import annotations

from typing import Any

import neo4j

GRAPH_QUERY = """
MATCH (c:ComputeNode)
OPTIONAL MATCH (c)-[r:HOSTS]->(i:Instance)
RETURN 'ComputeNode' AS label, c.hostname AS key, properties(c) AS props,
       collect({uuid: i.uuid, since: r.since}) AS hosts
UNION ALL
MATCH (i:Instance)
RETURN 'Instance' AS label, i.uuid AS key, properties(i) AS props, [] AS hosts
UNION ALL
MATCH (t:InstanceTombstone)
RETURN 'InstanceTombstone' AS label, t.uuid AS key, properties(t) AS props, [] AS hosts
UNION ALL
MATCH (t:ComputeNodeTombstone)
RETURN 'ComputeNodeTombstone' AS label, t.hostname AS key, properties(t) AS props, [] AS hosts
"""


def read_graph(driver: neo4j.Driver) -> dict[str, dict[str, Any]]:
    """Every element with its properties; an instance's ``hosted_by`` is its HOSTS edges."""
    graph: dict[str, dict[str, Any]] = {
        "ComputeNode": {},
        "Instance": {},
        "InstanceTombstone": {},
        "ComputeNodeTombstone": {},
    }
    hosted_by: dict[str, list[tuple[str, Any]]] = {}
    records, _, _ = driver.execute_query(GRAPH_QUERY)
    for record in records:
        graph[record["label"]][record["key"]] = dict(record["props"])
        for edge in record["hosts"]:
            if edge["uuid"] is not None:
                hosted_by.setdefault(edge["uuid"], []).append((record["key"], edge["since"]))
    for uuid, props in graph["Instance"].items():
        props["hosted_by"] = sorted(hosted_by.get(uuid, []))
    return graph


def hosts_of(graph: dict[str, dict[str, Any]], uuid: str) -> list[str]:
    return [hostname for hostname, _ in graph["Instance"][uuid]["hosted_by"]]


TRUTH_QUERY = """
MATCH (c:ComputeNode)
RETURN 'compute_nodes' AS kind, c.hostname AS key,
       {status: c.status, disabled_reason: c.disabled_reason} AS view
UNION ALL
MATCH (i:Instance)
OPTIONAL MATCH (c:ComputeNode)-[:HOSTS]->(i)
RETURN 'instances' AS kind, i.uuid AS key,
       {host: c.hostname, state: i.state, power_state: i.power_state,
        flavor_name: i.flavor_name, vcpus: i.vcpus, memory_mb: i.memory_mb} AS view
"""


def read_truth_view(driver: neo4j.Driver) -> dict[str, dict[str, Any]]:
    """The graph in the simulator's terms (``NovaSimulator.truth()``), to compare with it."""
    view: dict[str, dict[str, Any]] = {"compute_nodes": {}, "instances": {}}
    records, _, _ = driver.execute_query(TRUTH_QUERY)
    for record in records:
        view[record["kind"]][record["key"]] = dict(record["view"])
    return view


def truth_differences(
    truth: dict[str, dict[str, Any]], graph: dict[str, dict[str, Any]], limit: int = 10
) -> list[str]:
    """What differs, as lines a failing assertion can show; empty when they agree."""
    lines: list[str] = []
    for kind in ("compute_nodes", "instances"):
        expected, actual = truth[kind], graph[kind]
        for key in sorted(expected.keys() - actual.keys()):
            lines.append(f"{kind} {key}: missing from the graph")
        for key in sorted(actual.keys() - expected.keys()):
            lines.append(f"{kind} {key}: in the graph but not in the truth: {actual[key]}")
        for key in sorted(expected.keys() & actual.keys()):
            if expected[key] != actual[key]:
                lines.append(f"{kind} {key}: expected {expected[key]}, got {actual[key]}")
    return lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])
