"""Nova's aggregate samples, replayed and applied into the real Neo4j: aggregates, their
CONTAINS edges, the stubs they name and the availability zones derived from them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdm_graph.apply import writer as writer_module
from cdm_graph.apply.pipeline import process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.families.aggregate import AggregateFamily
from cdm_graph.families.base import Reading
from cdm_graph.plan.clock import GuardSettings
from cdm_graph.transport.samples import load_sample
from tests.functional.test_replay import _replay
from tests.graphs import read_graph
from tests.nova import notification, samples_dir

pytestmark = pytest.mark.functional

AGGREGATE = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"
OTHER = "00000000-0000-0000-0000-0000000000a2"
INSTANCE = "178b0921-8f85-4257-88b6-2e743b5a975c"
RUN_BATCH = writer_module.run_batch
SAMPLES = sorted(path.name for path in samples_dir().glob("aggregate-*.json"))
# The samples the table skips: .start events are not claimed, image caching changes nothing.
SKIPPED = [name for name in SAMPLES if name.endswith("-start.json") or "cache_images" in name]


def aggregate(event_type, time, uuid=AGGREGATE, hosts=(), zone=None, **data):
    """An aggregate sample with its whole host list and metadata (a zone or none) replaced."""
    envelope = notification(event_type, time, uuid=uuid, hosts=list(hosts), **data)
    envelope.payload["nova_object.data"]["metadata"] = (
        {"availability_zone": zone} if zone else {}
    )
    return envelope


def zones(graph):
    """Zone name -> the hosts it contains."""
    return {name: zone["contains"] for name, zone in read_graph(graph)["AvailabilityZone"].items()}


@pytest.mark.parametrize("name", [n for n in SAMPLES if n not in SKIPPED])
def test_every_aggregate_sample_replays_into_its_aggregate_and_zones(graph, neo4j_target, name):
    result = _replay(neo4j_target, samples_dir() / name)
    assert result.returncode == 0, result.stdout + result.stderr
    data = load_sample(samples_dir() / name)["payload"]["nova_object.data"]
    after = read_graph(graph)
    if name == "aggregate-delete-end.json":
        assert after["Aggregate"] == {}
        assert set(after["AggregateTombstone"]) == {AGGREGATE}
        return
    stored = after["Aggregate"][AGGREGATE]
    assert (stored["id"], stored["name"]) == (data["id"], data["name"])
    zone = data["metadata"]["availability_zone"]
    assert stored["metadata"] == [f"availability_zone={zone}"]
    assert stored["availability_zone"] == zone
    assert stored["hosts"] == stored["contains"] == data["hosts"]
    assert stored["last_event"] == load_sample(samples_dir() / name)["event_type"]
    # add_host names the host "compute", which no service event described: a stub, in the
    # aggregate's zone.
    for hostname in data["hosts"]:
        assert after["ComputeNode"][hostname]["described"] is False
    assert zones(graph) == ({zone: data["hosts"]} if data["hosts"] else {})


@pytest.mark.parametrize("name", SKIPPED)
def test_start_and_image_caching_samples_are_skipped(graph, neo4j_target, name):
    result = _replay(neo4j_target, samples_dir() / name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped 1" in result.stdout
    assert read_graph(graph)["Aggregate"] == {}


def test_a_host_in_no_zone_aggregate_is_in_the_default_zone(apply, graph):
    apply(
        notification("service.create", 1, host="h1"),
        aggregate("aggregate.add_host.end", 2, hosts=["h2"]),
        notification("instance.create.end", 3, host="h3"),
    )
    assert zones(graph) == {"nova": ["h1", "h2", "h3"]}


def test_the_default_zone_is_the_configured_one(graph, schema_applied):
    writer = GraphWriter(graph, settings=GuardSettings(default_availability_zone="az-default"))
    process_batch(writer, [notification("service.create", 1, host="h1")])
    assert zones(graph) == {"az-default": ["h1"]}


def test_a_host_is_in_the_zones_of_its_aggregates_and_not_in_the_default_one(apply, graph):
    apply(
        notification("service.create", 1, host="h1"),
        notification("service.create", 1, host="h2"),
        aggregate("aggregate.add_host.end", 2, hosts=["h1"], zone="AZ-1"),
        aggregate("aggregate.add_host.end", 2, uuid=OTHER, hosts=["h1", "h2"]),
    )
    assert zones(graph) == {"AZ-1": ["h1"], "nova": ["h2"]}
    stored = read_graph(graph)["Aggregate"]
    assert stored[AGGREGATE]["contains"] == ["h1"]
    assert stored[OTHER]["contains"] == ["h1", "h2"]


def test_a_zone_change_moves_the_hosts_and_removes_the_zone_left_empty(apply, graph):
    apply(aggregate("aggregate.create.end", 1, hosts=["h1", "h2"], zone="AZ-1"))
    apply(aggregate("aggregate.update_metadata.end", 2, hosts=["h1", "h2"], zone="AZ-2"))
    assert zones(graph) == {"AZ-2": ["h1", "h2"]}
    apply(aggregate("aggregate.update_metadata.end", 3, hosts=["h1", "h2"]))
    assert zones(graph) == {"nova": ["h1", "h2"]}
    assert read_graph(graph)["Aggregate"][AGGREGATE].get("availability_zone") is None


def test_a_zone_stays_while_a_host_is_in_it_and_goes_with_its_last(apply, graph):
    apply(
        notification("service.create", 1, host="h1"),
        notification("service.create", 1, host="h2"),
        aggregate("aggregate.create.end", 2, hosts=["h1", "h2"], zone="AZ-1"),
    )
    apply(aggregate("aggregate.remove_host.end", 3, hosts=["h1"], zone="AZ-1"))
    assert zones(graph) == {"AZ-1": ["h1"], "nova": ["h2"]}
    apply(aggregate("aggregate.remove_host.end", 4, hosts=[], zone="AZ-1"))
    assert zones(graph) == {"nova": ["h1", "h2"]}


def test_a_zone_losing_a_host_and_gaining_another_in_one_batch_stays(apply, graph):
    apply(
        notification("service.create", 1, host="h1"),
        notification("service.create", 1, host="h2"),
        aggregate("aggregate.create.end", 2, hosts=["h1"], zone="AZ-1"),
    )
    apply(aggregate("aggregate.add_host.end", 3, hosts=["h2"], zone="AZ-1"))
    assert zones(graph) == {"AZ-1": ["h2"], "nova": ["h1"]}


def test_deleting_an_aggregate_returns_its_hosts_to_the_default_zone(apply, graph):
    apply(
        notification("service.create", 1, host="h1"),
        aggregate("aggregate.create.end", 2, hosts=["h1", "h2"], zone="AZ-1"),
    )
    apply(aggregate("aggregate.delete.end", 3, hosts=["h1", "h2"], zone="AZ-1"))
    after = read_graph(graph)
    assert after["Aggregate"] == {}
    assert set(after["AggregateTombstone"]) == {AGGREGATE}
    # h2 was a stub only the aggregate held.
    assert set(after["ComputeNode"]) == {"h1"}
    assert zones(graph) == {"nova": ["h1"]}


def test_a_batch_locks_late_the_hosts_a_change_before_its_locks_put_in_play(
    apply, graph, monkeypatch
):
    """The hosts a batch locks are read before any lock: should another batch change the
    aggregate in between (here: the look sees nothing), the batch starts again with them."""
    apply(aggregate("aggregate.create.end", 1, hosts=["h1"], zone="AZ-1"))
    monkeypatch.setattr(
        AggregateFamily, "named_keys", lambda self, keys, folds: Reading.nothing({})
    )
    runs = []

    def counted_run_batch(*args):
        runs.append(args)
        return RUN_BATCH(*args)

    monkeypatch.setattr(writer_module, "run_batch", counted_run_batch)
    apply(aggregate("aggregate.add_host.end", 2, hosts=["h1", "h2"], zone="AZ-1"))
    assert len(runs) == 2
    assert read_graph(graph)["Aggregate"][AGGREGATE]["contains"] == ["h1", "h2"]
    assert zones(graph) == {"AZ-1": ["h1", "h2"]}


def test_an_event_older_than_the_deletion_does_not_bring_the_aggregate_back(apply, graph):
    apply(aggregate("aggregate.delete.end", 5, hosts=["h1"]))
    apply(aggregate("aggregate.add_host.end", 4, hosts=["h1"], zone="AZ-1"))
    after = read_graph(graph)
    assert after["Aggregate"] == {}
    assert after["ComputeNode"] == {}
    assert zones(graph) == {}


def test_removing_a_host_keeps_it_only_while_something_else_holds_it(apply, graph):
    apply(
        aggregate("aggregate.add_host.end", 1, hosts=["h1", "h2"], zone="AZ-1"),
        notification("instance.create.end", 1, host="h2"),
    )
    apply(aggregate("aggregate.remove_host.end", 2, hosts=[], zone="AZ-1"))
    after = read_graph(graph)
    assert after["Aggregate"][AGGREGATE]["contains"] == []
    # h1 was a stub only the aggregate held; an instance rests on h2.
    assert set(after["ComputeNode"]) == {"h2"}
    assert after["ComputeNode"]["h2"]["described"] is False
    assert zones(graph) == {"nova": ["h2"]}


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_a_compute_node_deletion_drops_an_older_membership_in_either_order(apply, graph, order):
    messages = [
        notification("service.create", 1, host="h1"),
        aggregate("aggregate.add_host.end", 2, hosts=["h1"], zone="AZ-1"),
        notification("service.delete", 3, host="h1"),
    ]
    for message in messages if order == "in order" else messages[::-1]:
        apply(message)
    after = read_graph(graph)
    assert after["Aggregate"][AGGREGATE]["hosts"] == ["h1"]
    assert after["Aggregate"][AGGREGATE]["contains"] == []
    assert after["ComputeNode"] == {}
    assert zones(graph) == {}


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_an_aggregate_event_newer_than_the_deletion_names_the_host_back_as_a_stub(
    apply, graph, order
):
    messages = [
        notification("service.create", 1, host="h1"),
        notification("service.delete", 2, host="h1"),
        aggregate("aggregate.add_host.end", 3, hosts=["h1"], zone="AZ-1"),
    ]
    for message in messages if order == "in order" else messages[::-1]:
        apply(message)
    after = read_graph(graph)
    assert after["Aggregate"][AGGREGATE]["contains"] == ["h1"]
    assert after["ComputeNode"]["h1"] == {"hostname": "h1", "described": False}
    assert zones(graph) == {"AZ-1": ["h1"]}


def test_a_described_host_keeps_its_zone_through_its_deletion_only_if_newer_aggregates_hold_it(
    apply, graph
):
    apply(
        notification("service.create", 1, host="h1"),
        aggregate("aggregate.add_host.end", 2, hosts=["h1"], zone="AZ-1"),
        notification("instance.create.end", 2, host="h1"),
    )
    apply(notification("service.delete", 3, host="h1"))
    # The instance, placed before the deletion, leaves it; nothing holds the stub.
    assert read_graph(graph)["ComputeNode"] == {}
    apply(notification("service.create", 4, host="h1"))
    # A new service on the host is in no aggregate yet.
    assert zones(graph) == {"nova": ["h1"]}


def test_a_refused_aggregate_leaves_nothing_half_applied(apply, graph):
    outcome = apply(
        aggregate("aggregate.add_host.end", 1, hosts=["h1", ""], zone="AZ-1"),
        notification("service.create", 2, host="h3"),
    )
    [rejection] = outcome.rejected
    assert "'hosts[1]' must not be empty" in rejection.reason
    after = read_graph(graph)
    assert after["Aggregate"] == {}
    assert set(after["ComputeNode"]) == {"h3"}
    assert zones(graph) == {"nova": ["h3"]}


def test_an_aggregate_tombstone_expires_after_its_time_to_live(apply, writer, graph):
    apply(aggregate("aggregate.delete.end", 0))  # long ago
    assert writer.expire_tombstones(ttl=timedelta(days=1)) == 1
    assert read_graph(graph)["AggregateTombstone"] == {}
