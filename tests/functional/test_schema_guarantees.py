"""What the database itself guarantees, whatever a statement does."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j.exceptions import ConstraintError

pytestmark = pytest.mark.functional


def test_an_instance_cannot_have_two_hosts_edges(graph: Any, schema_applied: Any) -> None:
    # Every statement that draws a HOSTS edge names its instance on it (batch/instance/write).
    graph.execute_query(
        "CREATE (:ComputeNode {hostname: 'h1'})-[:HOSTS {instance: 'u1'}]->(:Instance {uuid: 'u1'})"
    )
    with pytest.raises(ConstraintError):
        graph.execute_query(
            "MATCH (i:Instance {uuid: 'u1'}) "
            "CREATE (:ComputeNode {hostname: 'h2'})-[:HOSTS {instance: i.uuid}]->(i)"
        )
