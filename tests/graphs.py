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
