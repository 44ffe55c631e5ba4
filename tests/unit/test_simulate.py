"""The simulated Nova sends what Nova sends, and knows the cloud it ends with."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from cdm_graph.families import decode
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.simulate import NovaSimulator
from cdm_graph.transport.envelope import Skipped, from_record
from cdm_graph.transport.samples import load_sample
from tests.nova import sample_file

OPERATIONS = 400


def _stream(seed: int = 3) -> tuple[NovaSimulator, list[dict]]:
    simulator = NovaSimulator(hosts=6, instances=30, seed=seed)
    return simulator, list(simulator.messages(OPERATIONS, start=datetime(2026, 1, 1, 9)))


def _object_shape(payload: dict) -> tuple[str, str, frozenset[str]]:
    return (
        payload["nova_object.name"],
        payload["nova_object.version"],
        frozenset(payload["nova_object.data"]),
    )


def test_the_same_seed_gives_the_same_stream_and_truth():
    first, first_messages = _stream()
    second, second_messages = _stream()
    assert first_messages == second_messages
    assert first.truth() == second.truth()


@pytest.mark.parametrize(
    "event_type",
    [
        "instance.create.end",
        "instance.update",
        "instance.power_off.end",
        "instance.live_migration_post_dest.end",
        "instance.resize_finish.end",
        "instance.shelve_offload.end",
        "instance.delete.end",
        "service.update",
    ],
)
def test_payloads_have_the_object_name_version_and_fields_of_novas_samples(event_type):
    _, messages = _stream()
    produced = next(m for m in messages if m["event_type"] == event_type)
    sample = load_sample(sample_file(event_type))
    assert _object_shape(produced["payload"]) == _object_shape(sample["payload"])


def test_publishers_are_the_service_and_host_as_nova_names_them():
    _, messages = _stream()
    compute = [m for m in messages if m["event_type"].startswith("instance.")]
    assert all(m["publisher_id"].startswith("nova-compute:") for m in compute)
    services = {
        m["publisher_id"].split(":")[0] for m in messages if m["event_type"] == "service.create"
    }
    assert services == {"nova-compute", "nova-conductor", "nova-scheduler"}


def test_timestamps_increase_through_the_stream():
    _, messages = _stream()
    times = [m["timestamp"] for m in messages]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_every_message_decodes_or_is_skipped_as_outside_the_table():
    _, messages = _stream()
    outcomes = Counter()
    for message in messages:
        try:
            decode(from_record(message))
            outcomes["decoded"] += 1
        except Skipped:
            assert (
                message["event_type"] not in NOTIFICATION_MAPPING
                or message["payload"]["nova_object.data"].get("binary") != "nova-compute"
            )
            outcomes["skipped"] += 1
    assert outcomes["decoded"] > outcomes["skipped"] > 0


def test_the_stream_covers_every_operation_of_the_issue():
    _, messages = _stream()
    event_types = {m["event_type"] for m in messages}
    assert {
        "instance.create.end",
        "instance.power_off.end",
        "instance.power_on.end",
        "instance.live_migration_post_dest.end",
        "instance.resize_confirm.end",
        "instance.resize_revert.end",
        "instance.shelve.end",
        "instance.shelve_offload.end",
        "instance.unshelve.end",
        "instance.delete.end",
        "service.update",
    } <= event_types


def test_truth_has_every_host_and_the_instances_left_after_deletions():
    simulator, messages = _stream()
    truth = simulator.truth()
    assert sorted(truth["compute_nodes"]) == [f"compute-{n:05d}" for n in range(1, 7)]
    created = sum(m["event_type"] == "instance.create.end" for m in messages)
    deleted = sum(m["event_type"] == "instance.delete.end" for m in messages)
    assert len(truth["instances"]) == created - deleted


def test_truth_says_offloaded_instances_have_no_host():
    simulator, _ = _stream()
    instances = simulator.truth()["instances"].values()
    offloaded = [i for i in instances if i["state"] == "shelved_offloaded"]
    assert offloaded and all(i["host"] is None for i in offloaded)
    assert all(i["host"] is not None for i in instances if i["state"] != "shelved_offloaded")


def test_a_cloud_needs_a_host():
    with pytest.raises(ValueError, match="at least one compute host"):
        NovaSimulator(hosts=0, instances=1)
