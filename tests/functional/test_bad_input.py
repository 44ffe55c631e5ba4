"""Bad input is refused with its reason; the rest of its batch is applied."""

from __future__ import annotations

import pytest

from cdm_graph.transport.envelope import Envelope
from tests.graphs import read_graph
from tests.nova import at, notification

pytestmark = pytest.mark.functional

GOOD_UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


def _without_data():
    envelope = notification("instance.update", uuid="bad-1")
    del envelope.payload["nova_object.data"]
    return envelope


def _future_major():
    envelope = notification("instance.update", uuid="bad-2")
    envelope.payload["nova_object.version"] = "9.0"
    return envelope


BAD = {
    "no nova_object.data": _without_data,
    "unknown major version 9.0": _future_major,
    "'flavor.vcpus' must be int": lambda: notification(
        "instance.update", uuid="00000000-0000-4000-8000-000000000003", flavor={"vcpus": "4"}
    ),
    "'uuid' is missing": lambda: notification("instance.update", uuid=None),
    "payload must be an object": lambda: Envelope("instance.update", ["not", "an", "object"],
                                                  at(0)),
    "'host' must be str": lambda: notification("service.update", host=42),
    "'uuid' must be a UUID, got ''": lambda: notification("instance.update", uuid=""),
    "'uuid' must be a UUID, got 'i-1'": lambda: notification("instance.update", uuid="i-1"),
    "service 'host' must not be empty": lambda: notification("service.create", host=""),
    "instance 'host' must not be empty": lambda: notification("instance.update", host=""),
    "'display_name' is longer than 255": lambda: notification(
        "instance.update", display_name="x" * 256
    ),
}


@pytest.mark.parametrize("reason", sorted(BAD))
def test_malformed_message_is_rejected_with_its_reason_and_its_batch_applied(
    apply, graph, reason
):
    outcome = apply(
        notification("service.create", 1, host="h1"),
        BAD[reason](),
        notification("instance.create.end", 2, host="h1"),
    )
    [rejection] = outcome.rejected
    assert reason.removeprefix("service ").removeprefix("instance ") in rejection.reason
    assert sum(outcome.applied.values()) == 2
    after = read_graph(graph)
    assert set(after["Instance"]) == {GOOD_UUID}
    assert after["ComputeNode"]["h1"]["described"] is True


def test_several_bad_messages_in_one_batch_are_each_rejected(apply, graph):
    outcome = apply(*(make() for make in BAD.values()), notification("instance.create.end", 1))
    assert len(outcome.rejected) == len(BAD)
    assert set(read_graph(graph)["Instance"]) == {GOOD_UUID}
