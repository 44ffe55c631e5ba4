"""A reconcile's events lack what its APIs do not show: the graph keeps what it holds of it."""

from __future__ import annotations

from cdm_graph.families import decode
from cdm_graph.families.base import Action, HostEvidence, listed
from cdm_graph.families.compute_node import ComputeNodeEvent, StoredComputeNode
from cdm_graph.families.instance import InstanceEvent, StoredInstance
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.plan.clock import Precedence, Stamp
from cdm_graph.schema.compute_node import DESCRIPTION_FIELDS as COMPUTE_NODE_FIELDS
from tests.nova import at, notification
from tests.plans import stored_graph

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


def _rows(writes, name):
    for statement in writes.writes.statements:
        if statement.name == f"batch/{name}":
            return statement.parameters["rows"]
    return []


def _reconciled_instance(time: float) -> InstanceEvent:
    described = decode(notification("instance.create.end", 0, host="h1")).properties
    return InstanceEvent(
        event_type="reconcile",
        stamp=listed(at(time), Action.UPSERT),
        uuid=UUID,
        action=Action.UPSERT,
        host_evidence=HostEvidence.AUTHORITATIVE,
        host="h1",
        properties={k: v for k, v in described.items() if k != "architecture"},
    )


def _notified(time: float) -> Stamp:
    return Stamp.at(at(time), Precedence.NOTIFIED, "m")


def _stored_instance(time: float, **properties) -> StoredInstance:
    return StoredInstance({"event_time": _notified(time), **properties})


def test_an_instance_event_lacking_a_field_keeps_the_stored_value():
    stored = stored_graph({UUID: _stored_instance(1, architecture="aarch64")}, {})
    writes = resolve(BatchFold.of([_reconciled_instance(10)]), stored)
    [row] = _rows(writes, "instance/write")
    assert row["properties"]["architecture"] == "aarch64"
    assert row["properties"]["last_event"] == "reconcile"


def test_an_instance_event_lacking_a_field_leaves_it_null_on_a_new_instance():
    writes = resolve(BatchFold.of([_reconciled_instance(10)]), stored_graph({}, {}))
    [row] = _rows(writes, "instance/write")
    assert row["properties"]["architecture"] is None


def test_a_deleted_instance_keeps_nothing_for_a_later_event_lacking_a_field():
    stored = stored_graph(
        {UUID: StoredInstance({"event_time": _notified(1), "architecture": "aarch64"},
                              deleted_at=Stamp.at(at(5), Precedence.DELETED, "d"))},
        {},
    )
    writes = resolve(BatchFold.of([_reconciled_instance(10)]), stored)
    [row] = _rows(writes, "instance/write")
    assert row["properties"]["architecture"] is None


def test_a_compute_node_event_lacking_a_field_keeps_the_stored_value():
    described = {key: None for key in COMPUTE_NODE_FIELDS if key != "service_version"}
    listing = listed(at(10), Action.UPSERT)
    event = ComputeNodeEvent("reconcile", listing, "h1", Action.UPSERT, described)
    stored = stored_graph(
        {},
        {"h1": StoredComputeNode(True, _notified(1), properties={"service_version": 61})},
    )
    [row] = _rows(resolve(BatchFold.of([event]), stored), "compute_node/upsert")
    assert row["properties"]["service_version"] == 61
    assert Stamp.stored(
        [row["properties"][f"service_event_time{suffix}"] for suffix in ("_us", "_rank", "_id")]
    ) == listing
