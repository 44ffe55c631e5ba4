"""The benchmark's Nova-shaped stream (``bench.nova_stream``): Nova's own samples with a
cloud's values substituted, only the event types cdm-graph maps, every kind of change the
benchmark promises, and a truth that follows the messages."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest

from bench.nova_stream import DATA, NovaShapedCloud, load_templates
from bench.stream import wire_body
from cdm_graph.families import decode
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.simulate import Notification
from cdm_graph.transport.envelope import Envelope


@pytest.fixture(scope="module")
def drawn() -> tuple[NovaShapedCloud, list[Notification], list[Notification]]:
    cloud = NovaShapedCloud(hosts=12, instances=150, seed=3)
    build = list(cloud.build())
    return cloud, build, cloud.operations(3_000)


def _data(notification: Notification) -> dict[str, object]:
    data: dict[str, object] = notification.payload[DATA]
    return data


def test_only_mapped_event_types_and_no_start_events(drawn):
    _, build, operations = drawn
    for notification in build + operations:
        assert notification.event_type in NOTIFICATION_MAPPING, notification.event_type
        assert not notification.event_type.endswith(".start")


def test_every_message_carries_every_field_of_its_sample(drawn):
    _, build, operations = drawn
    templates = load_templates()
    for notification in build + operations:
        template = templates[notification.event_type]
        assert set(template.data) <= set(_data(notification)), notification.event_type
        assert notification.payload["nova_object.version"] == template.head["nova_object.version"]


def test_messages_are_nova_sized_on_the_wire(drawn):
    _, _, operations = drawn
    sizes = [
        len(wire_body(n, datetime(2026, 1, 1), json.dumps(n.payload)))
        for n in operations
        if n.event_type.startswith("instance.")
    ]
    assert 1_500 < sum(sizes) / len(sizes) < 4_000


def test_cdm_graph_decodes_every_message(drawn):
    _, build, operations = drawn
    for notification in build + operations:
        envelope = Envelope(
            notification.event_type, notification.payload, datetime(2026, 1, 1),
            notification.publisher_id, notification.priority,
        )  # fmt: skip
        if _data(notification).get("binary", "nova-compute") != "nova-compute":
            continue  # the controller's services are skipped, as Nova's are
        decode(envelope)


def test_the_stream_holds_every_kind_of_change(drawn):
    _, _, operations = drawn
    counts = Counter(n.event_type for n in operations)
    for event_type in (
        "instance.create.end", "instance.update", "instance.live_migration_post_dest.end",
        "instance.resize_finish.end", "instance.resize_confirm.end", "instance.rebuild.end",
        "instance.shelve_offload.end", "instance.unshelve.end", "instance.delete.end",
        "service.update",
    ):  # fmt: skip
        assert counts[event_type], event_type
    assert any(_data(n)["host"] is None for n in operations
               if n.event_type == "instance.shelve_offload.end")  # fmt: skip
    services = [_data(n) for n in operations if n.event_type == "service.update"]
    assert any(s["disabled"] for s in services) and any(s["forced_down"] for s in services)
    updates = [_data(n)["state_update"][DATA] for n in operations  # type: ignore[index]
               if n.event_type == "instance.update"]  # fmt: skip
    assert any(u["old_state"] != u["state"] for u in updates)


def test_an_evacuation_names_the_stale_host_last(drawn):
    _, _, operations = drawn
    for position, notification in enumerate(operations):
        if notification.event_type != "instance.rebuild.end":
            continue
        before = operations[position - 1]
        assert before.event_type == "instance.update"
        assert _data(before)["uuid"] == _data(notification)["uuid"]
        assert _data(before)["host"] != _data(notification)["host"]


def test_the_truth_is_where_the_last_authoritative_message_left_each_instance(drawn):
    cloud, _, operations = drawn
    truth = cloud.truth()
    last: dict[str, dict[str, object]] = {}
    for notification in operations:
        data = _data(notification)
        if notification.event_type in ("instance.update", "instance.create.end"):
            last[str(data["uuid"])] = data
    for uuid, view in truth["instances"].items():
        if uuid in last:
            assert view["host"] == last[uuid]["host"], uuid
            assert view["state"] == last[uuid]["state"], uuid
    assert set(truth["compute_nodes"]) == set(cloud.hosts)
