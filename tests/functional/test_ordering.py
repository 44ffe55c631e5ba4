"""Nova's clock decides: reordered, repeated and late messages give the graph of the truth."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdm_graph.families import decode
from tests.graphs import hosts_of, read_graph
from tests.nova import notification

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


def test_an_older_event_does_not_overwrite_a_newer_one(apply, graph):
    apply(notification("instance.power_off.end", 2))
    apply(notification("instance.power_on.end", 1))
    assert read_graph(graph)["Instance"][UUID]["last_event"] == "instance.power_off.end"


def test_applying_a_message_twice_changes_nothing(apply, graph):
    create = notification("instance.create.end", 1)
    apply(create)
    once = read_graph(graph)
    apply(create)
    apply(create, create)
    assert read_graph(graph) == once


def test_an_event_older_than_the_deletion_does_not_bring_the_instance_back(apply, graph):
    apply(notification("instance.delete.end", 5))
    apply(notification("instance.update", 4))
    after = read_graph(graph)
    assert UUID not in after["Instance"]
    assert after["ComputeNode"] == {}


def test_restore_after_soft_delete_brings_the_instance_back(apply, graph):
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification("instance.soft_delete.end", 2))
    apply(notification("instance.restore.end", 3, host="h1"))
    after = read_graph(graph)
    assert after["Instance"][UUID]["last_event"] == "instance.restore.end"
    assert hosts_of(after, UUID) == ["h1"]


def test_restore_arriving_before_the_soft_delete_still_wins(apply, graph):
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification("instance.restore.end", 3, host="h1"))
    apply(notification("instance.soft_delete.end", 2))
    after = read_graph(graph)
    assert after["Instance"][UUID]["last_event"] == "instance.restore.end"
    assert hosts_of(after, UUID) == ["h1"]


def test_one_batch_gives_the_graph_of_its_events_applied_one_by_one(apply, writer, graph):
    stream = [
        notification("service.create", 0, host="h1"),
        notification("instance.create.end", 1, host="h1"),
        notification("instance.live_migration_post_dest.end", 2, host="h2"),
        notification("instance.power_off.end", 3, host="h2"),
        notification("instance.soft_delete.end", 4),
        notification("instance.restore.end", 5, host="h2"),
        notification("service.delete", 6, host="h1"),
    ]
    for envelope in stream:
        apply(envelope)
    one_by_one = read_graph(graph)
    graph.execute_query("MATCH (n) DETACH DELETE n")
    apply(*reversed(stream))
    assert read_graph(graph) == one_by_one


def test_expired_tombstones_are_forgotten(apply, writer, graph):
    apply(notification("instance.delete.end", 0))
    assert writer.expire_tombstones(ttl=timedelta(days=1)) == 1
    assert read_graph(graph)["InstanceTombstone"] == {}


def test_recent_tombstones_are_kept(writer, graph):
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    writer.apply_batch([decode(notification("instance.delete.end", now))])
    assert writer.expire_tombstones(ttl=timedelta(days=1)) == 0
    assert UUID in read_graph(graph)["InstanceTombstone"]
