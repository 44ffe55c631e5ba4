"""Each instance event of the table, from Nova's own sample, against the real Neo4j."""

from __future__ import annotations

import pytest

from cdm_graph.families.base import HostEvidence
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.transport.samples import load_sample
from tests.graphs import hosts_of, read_graph
from tests.nova import notification, sample_file

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"

INSTANCE_UPSERTS = sorted(
    event_type
    for event_type, rule in NOTIFICATION_MAPPING.items()
    if rule.family == "instance" and rule.action.value == "upsert"
)


def _sample_data(event_type):
    return load_sample(sample_file(event_type))["payload"]["nova_object.data"]


@pytest.mark.parametrize("event_type", INSTANCE_UPSERTS)
def test_instance_event_writes_the_instance_as_nova_describes_it(apply, graph, event_type):
    outcome = apply(notification(event_type))
    assert sum(outcome.applied.values()) == 1
    data = _sample_data(event_type)
    instance = read_graph(graph)["Instance"][UUID]
    assert instance["last_event"] == event_type
    assert instance["state"] == data["state"]
    assert instance["power_state"] == data["power_state"]
    assert instance.get("task_state") == data["task_state"]
    assert instance["name"] == data["display_name"]
    assert instance["vcpus"] == data["flavor"]["nova_object.data"]["vcpus"]
    assert instance["memory_mb"] == data["flavor"]["nova_object.data"]["memory_mb"]


@pytest.mark.parametrize("event_type", INSTANCE_UPSERTS)
def test_instance_event_places_an_unplaced_instance_only_if_it_carries_the_real_host(
    apply, graph, event_type
):
    apply(notification(event_type))
    rule = NOTIFICATION_MAPPING[event_type]
    host = _sample_data(event_type)["host"]
    expected = [host] if host and rule.host is not HostEvidence.STALE else []
    assert hosts_of(read_graph(graph), UUID) == expected


@pytest.mark.parametrize("event_type", ["instance.delete.end", "instance.soft_delete.end"])
def test_deletion_removes_the_instance_and_leaves_a_tombstone(apply, graph, event_type):
    apply(notification("instance.create.end", 1))
    apply(notification(event_type, 2))
    after = read_graph(graph)
    assert UUID not in after["Instance"]
    assert UUID in after["InstanceTombstone"]
    assert after["ComputeNode"] == {}, "the stub host left empty goes too"


def test_create_places_the_instance_on_a_host_not_yet_described(apply, graph):
    apply(notification("instance.create.end", 1, host="compute-7"))
    after = read_graph(graph)
    assert after["ComputeNode"]["compute-7"]["described"] is False
    assert hosts_of(after, UUID) == ["compute-7"]
    assert after["Instance"][UUID]["host"] == "compute-7"
    assert after["Instance"][UUID]["node"] == "fake-mini"


def test_lock_and_unlock_set_locked(apply, graph):
    apply(notification("instance.lock", 1))
    assert read_graph(graph)["Instance"][UUID]["locked"] is True
    apply(notification("instance.unlock", 2))
    assert read_graph(graph)["Instance"][UUID]["locked"] is False


def test_resize_finish_takes_the_new_flavor(apply, graph):
    apply(notification("instance.create.end", 1))
    apply(notification("instance.resize_finish.end", 2))
    instance = read_graph(graph)["Instance"][UUID]
    assert instance["flavor_name"] == "other_flavor"
    assert instance["memory_mb"] == 256
    assert instance["extra_specs"] == ["hw:watchdog_action=reset"]


def test_metadata_keys_that_disappear_are_removed(apply, graph):
    apply(notification("instance.update", 1, metadata={"tier": "gold", "team": "a"}))
    apply(notification("instance.update", 2, metadata={"team": "b"}))
    assert read_graph(graph)["Instance"][UUID]["metadata"] == ["team=b"]


def test_disk_is_counted_as_watcher_does(apply, graph):
    apply(
        notification(
            "instance.create.end", 1, flavor={"root_gb": 10, "ephemeral_gb": 2, "swap": 2048}
        )
    )
    assert read_graph(graph)["Instance"][UUID]["disk_gb"] == 14


def test_metadata_is_filterable_in_cypher(apply, graph):
    apply(notification("instance.update", 1, metadata={"tier": "gold"}))
    records, _, _ = graph.execute_query(
        "MATCH (i:Instance) WHERE $pair IN i.metadata RETURN i.uuid AS uuid", pair="tier=gold"
    )
    assert [r["uuid"] for r in records] == [UUID]
