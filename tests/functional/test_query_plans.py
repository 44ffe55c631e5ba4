"""Every write statement is planned with index seeks only, and without an Eager operator.

An Eager operator materializes all rows of an ``UNWIND $rows`` before writing, which costs
memory in proportion to the batch; a label scan makes a write cost the size of the cloud.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from cdm_graph import statements
from cdm_graph.events import COMPUTE_NODE_FIELDS
from cdm_graph.plan import INSTANCE_STATE

pytestmark = pytest.mark.functional

FORBIDDEN = {"Eager", "NodeByLabelScan", "AllNodesScan", "RelationshipTypeScan",
             "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan"}
WHEN = datetime(2026, 1, 1)
KEYS = {"keys": ["a", "b"]}
PARAMETERS = {
    "write/lock_compute_nodes": KEYS,
    "write/lock_instances": KEYS,
    "write/tombstone_compute_nodes": {"rows": [{"hostname": "a", "deleted_at": WHEN}]},
    "write/tombstone_instances": {"rows": [{"uuid": "a", "deleted_at": WHEN}]},
    "write/unhost_instances": KEYS,
    "write/remove_instances": KEYS,
    "write/upsert_instances": {
        "rows": [{"uuid": "a", "properties": dict.fromkeys(INSTANCE_STATE)}]
    },
    "write/host_instances": {"rows": [{"uuid": "a", "hostname": "h", "since": WHEN}]},
    "write/upsert_compute_nodes": {
        "rows": [{"hostname": "a", "properties": dict.fromkeys(COMPUTE_NODE_FIELDS)}]
    },
    "write/undescribe_compute_nodes": KEYS,
    "write/lock_compute_node_capacity": KEYS,
    "write/upsert_compute_node_capacity": {
        "rows": [{"hostname": "a", "time": WHEN, "properties": {"uuid": "u", "vcpus": 8}}]
    },
    "write/remove_compute_nodes": KEYS,
    "write/expire_instance_tombstones": {"before": WHEN, "limit": 10},
    "write/expire_compute_node_tombstones": {"before": WHEN, "limit": 10},
}


def _operators(plan):
    yield plan.get("operatorType", "").split("@")[0]
    for child in plan.get("children", []):
        yield from _operators(child)


def test_every_write_statement_is_checked():
    assert set(PARAMETERS) == set(statements.names("write"))


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_write_statement_uses_index_seeks_and_no_eager(graph, schema_applied, name):
    with graph.session() as session:
        summary = session.run("EXPLAIN " + statements.load(name), PARAMETERS[name]).consume()
    operators = set(_operators(summary.plan))
    assert not operators & FORBIDDEN, f"{name} plans {sorted(operators & FORBIDDEN)}"
