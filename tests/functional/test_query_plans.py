"""Every statement that writes, whatever its folder, is planned without an Eager operator,
and with index seeks only where it touches the elements of a batch.

An Eager operator materializes all rows of an ``UNWIND $rows`` before writing, which costs
memory in proportion to the batch; a label scan makes a write cost the size of the cloud.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from cdm_graph import statements
from cdm_graph.families import FAMILIES
from cdm_graph.plan.clock import Stamp
from cdm_graph.schema.aggregate import AGGREGATE
from cdm_graph.schema.compute_node import COMPUTE_NODE, HYPERVISOR_FIELDS
from cdm_graph.schema.flavor import FLAVOR
from cdm_graph.schema.instance import INSTANCE
from cdm_graph.schema.server_group import SERVER_GROUP

pytestmark = pytest.mark.functional

EAGER = {"Eager"}
SCANS = {"NodeByLabelScan", "AllNodesScan", "RelationshipTypeScan",
         "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan"}
WHEN = datetime(2026, 1, 1)
STAMP = Stamp(1, 2, "message-id")
KEYS = {"keys": ["a", "b"]}
PARAMETERS = {
    "batch/compute_node/lock": KEYS,
    "batch/instance/lock": KEYS,
    "batch/compute_node/tombstone": {"rows": [{"hostname": "a", **STAMP.columns("deleted_at")}]},
    "batch/instance/unhost": KEYS,
    "batch/instance/remove": {**KEYS, "rows": [{"uuid": "a", **STAMP.columns("deleted_at")}]},
    "batch/instance/write": {
        "rows": [{"uuid": "a", "describe": True,
                  "properties": dict.fromkeys(INSTANCE.stored_names),
                  "hostname": "h", **STAMP.columns("since"), "flavorid": "f"}]
    },
    "batch/compute_node/upsert": {
        "rows": [{"hostname": "a", "properties": dict.fromkeys(COMPUTE_NODE.stored_names)}]
    },
    "batch/compute_node/undescribe": KEYS,
    "batch/compute_node/remove": KEYS,
    "batch/aggregate/lock": KEYS,
    "batch/aggregate/tombstone": {"rows": [{"uuid": "a", **STAMP.columns("deleted_at")}]},
    "batch/aggregate/write": {
        "rows": [{"uuid": "a", "properties": dict.fromkeys(AGGREGATE.stored_names),
                  "links": [{"hostname": "h", "key": "a:h"}]}]
    },
    "batch/aggregate/remove": KEYS,
    "batch/aggregate/unlink": KEYS,
    "batch/aggregate/zone": {**KEYS, "rows": [{"hostname": "h", "zone": "z", "key": "z:h"}]},
    "batch/aggregate/unzone": KEYS,
    "batch/aggregate/remove_zones": KEYS,
    "batch/flavor/lock": KEYS,
    "batch/flavor/tombstone": {"rows": [{"flavorid": "a", **STAMP.columns("deleted_at")}]},
    "batch/flavor/upsert": {
        "rows": [{"flavorid": "a", "properties": dict.fromkeys(FLAVOR.stored_names)}]
    },
    "batch/flavor/undescribe": KEYS,
    "batch/flavor/remove": KEYS,
    "batch/instance/unflavor": KEYS,
    "batch/server_group/lock": KEYS,
    "batch/server_group/tombstone": {"rows": [{"uuid": "a", **STAMP.columns("deleted_at")}]},
    "batch/server_group/write": {
        "rows": [{"uuid": "a", "properties": dict.fromkeys(SERVER_GROUP.stored_names),
                  "named": ["i"], "linked": ["i"]}]
    },
    "batch/server_group/remove": KEYS,
    "batch/server_group/unlink": KEYS,
    "batch/server_group/forget_members": KEYS,
    "reconcile/lock_capacity": KEYS,
    "reconcile/upsert_capacity": {
        "rows": [{"hostname": "a", **STAMP.columns("time"),
                  "properties": dict.fromkeys(HYPERVISOR_FIELDS)}]
    },
    "reconcile/bring_back_compute_nodes": {"keys": ["a"], "to_us": 1},
    "reconcile/bring_back_instances": {
        "rows": [{"uuid": "a", "event_time_us": 1, "host_since_us": 1, "authoritative_at_us": 1,
                  "hinted_at_us": None}]
    },
    "reconcile/bring_back_hosts": {"rows": [{"uuid": "a", "since_us": 1}]},
    "reconcile/bring_back_instance_tombstones": {"limit_us": 2, "to_us": 1},
    "reconcile/bring_back_compute_node_tombstones": {"limit_us": 2, "to_us": 1},
    "upkeep/lock_instance_tombstones": KEYS,
    "upkeep/lock_compute_node_tombstones": KEYS,
    "upkeep/lock_flavor_tombstones": KEYS,
    "upkeep/expire_flavor_tombstones": KEYS,
    "upkeep/expire_instance_tombstones": KEYS,
    "upkeep/expire_compute_node_tombstones": KEYS,
    "upkeep/lock_aggregate_tombstones": KEYS,
    "upkeep/expire_aggregate_tombstones": KEYS,
    "upkeep/lock_server_group_tombstones": KEYS,
    "upkeep/expire_server_group_tombstones": KEYS,
    "deadletter/store": {
        "rows": [{"id": "a", "reason": "r", "event_type": "e", "publisher_id": "p",
                  "message": "{}", "received_at": WHEN}]
    },
    "deadletter/remove": KEYS,
    "browser/lock_compute_nodes": KEYS,
    "browser/forget_compute_nodes": KEYS,
    "browser/label_compute_nodes": {**KEYS, "medium": 0.5, "high": 0.8},
}


def _operators(plan):
    yield plan.get("operatorType", "").split("@")[0]
    for child in plan.get("children", []):
        yield from _operators(child)


def test_every_statement_that_writes_is_checked_whatever_its_folder():
    writing = {name for name in statements.names() if statements.writes(name)}
    assert set(PARAMETERS) == writing


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_write_statement_uses_index_seeks_and_no_eager(graph, schema_applied, name):
    with graph.session() as session:
        summary = session.run("EXPLAIN " + statements.load(name), PARAMETERS[name]).consume()
    operators = set(_operators(summary.plan))
    forbidden = EAGER | SCANS
    assert not operators & forbidden, f"{name} plans {sorted(operators & forbidden)}"


def test_the_lock_step_of_every_family_in_one_statement_plans_no_eager_and_no_scan(
    graph, schema_applied
):
    # The writer takes every family's locks in one round trip (statements.in_sequence).
    names = [f"batch/{family.name}/lock" for family in FAMILIES]
    query = statements.in_sequence(tuple(statements.load(name) for name in names))
    parameters = statements.in_sequence_parameters([KEYS] * len(names))
    with graph.session() as session:
        summary = session.run("EXPLAIN " + query, parameters).consume()
    operators = set(_operators(summary.plan))
    assert not operators & (EAGER | SCANS), sorted(operators & (EAGER | SCANS))


def test_the_read_step_of_every_family_in_one_statement_seeks_by_key_and_scans_nothing(
    graph, schema_applied
):
    # The writer reads every family's stored state in one round trip (Reading, read_together).
    names = [name for family in FAMILIES for name in statements.names(f"batch/{family.name}")
             if name.rpartition("/")[2].startswith(("read", "named"))]
    parameters = [{**KEYS, "fields": ["name"]} if name.endswith("read_described") else KEYS
                  for name in names]
    query = statements.in_sequence((), tuple(statements.load(name) for name in names))
    with graph.session() as session:
        summary = session.run(
            "EXPLAIN " + query, statements.in_sequence_parameters(parameters)
        ).consume()
    operators = set(_operators(summary.plan))
    assert "NodeUniqueIndexSeek" in operators
    assert not operators & (EAGER | SCANS), sorted(operators & (EAGER | SCANS))


def test_the_write_step_of_every_family_in_one_statement_seeks_by_key_and_scans_nothing(
    graph, schema_applied
):
    # The writer runs a batch's writes in one round trip, in their stages' order; planned
    # together on a young graph, a statement must not turn to a scan it would not choose
    # alone. (Eager operators may appear here: between the subqueries, on their one row,
    # and before a delete, on rows as many as the batch's keys.)
    names = [name for name in PARAMETERS
             if name.startswith("batch/") and not name.endswith("/lock")]
    query = statements.in_sequence(tuple(statements.load(name) for name in names))
    parameters = statements.in_sequence_parameters([PARAMETERS[name] for name in names])
    with graph.session() as session:
        summary = session.run("EXPLAIN " + query, parameters).consume()
    operators = set(_operators(summary.plan))
    assert "NodeUniqueIndexSeek(Locking)" in operators
    assert not operators & SCANS, sorted(operators & SCANS)
