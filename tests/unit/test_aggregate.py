"""The aggregate family: decoding AggregatePayload 1.0 and 1.1, refusing what Nova would not
send (naming the field), the listing's events, and a fold and resolve that do not depend on
the order of the batch's events."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdm_graph.families import decode
from cdm_graph.families.aggregate import (
    AggregateEvent,
    StoredAggregate,
    hosts_in_play,
    listed_aggregates,
    listed_gone,
    zones_wanted,
)
from cdm_graph.families.base import Action
from cdm_graph.families.compute_node import StoredComputeNode, StoredComputeNodes
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.plan.clock import Precedence, Stamp
from cdm_graph.transport.envelope import Rejected, Skipped
from tests.nova import at, notification

UUID = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"
STARTED = datetime(2026, 1, 1, 12, 0, 0)


def _aggregate(event_type="aggregate.add_host.end", time=0.0, version="1.1", **data):
    envelope = notification(event_type, time, **data)
    envelope.payload["nova_object.version"] = version
    return envelope


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_an_aggregate_payload_decodes_to_the_whole_aggregate(version):
    event = decode(_aggregate(version=version, hosts=["h2", "h1"]))
    assert isinstance(event, AggregateEvent)
    assert (event.uuid, event.action, event.time) == (UUID, Action.UPSERT, at(0))
    assert event.properties == {
        "id": 1,
        "name": "my-aggregate",
        "metadata": ["availability_zone=nova"],
        "availability_zone": "nova",
        "hosts": ["h1", "h2"],
    }


def test_version_1_1_may_leave_the_id_null():
    assert decode(_aggregate(id=None)).properties["id"] is None


def test_an_aggregate_without_zone_metadata_has_no_zone():
    envelope = _aggregate()
    envelope.payload["nova_object.data"]["metadata"] = {"ssd": "true"}
    event = decode(envelope)
    assert event.properties["metadata"] == ["ssd=true"]
    assert event.properties["availability_zone"] is None


def test_null_hosts_and_metadata_are_an_empty_aggregate():
    envelope = _aggregate()
    envelope.payload["nova_object.data"].update(hosts=None, metadata=None)
    event = decode(envelope)
    assert (event.properties["hosts"], event.properties["metadata"]) == ([], [])


def test_a_deletion_is_stamped_to_win_a_tie_with_an_update():
    event = decode(_aggregate("aggregate.delete.end"))
    assert event.action is Action.DELETE
    assert event.stamp.rank == Precedence.DELETED


@pytest.mark.parametrize("event_type", [
    "aggregate.cache_images.start",
    "aggregate.cache_images.progress",
    "aggregate.cache_images.end",
])
def test_image_caching_is_skipped_with_its_reason(event_type):
    with pytest.raises(Skipped, match=rf"{event_type}: Nova caches images"):
        decode(notification(event_type))


def _without(field):
    envelope = _aggregate()
    del envelope.payload["nova_object.data"][field]
    return envelope


REFUSED = {
    "field 'uuid' is missing": lambda: _without("uuid"),
    "field 'uuid' must be a UUID": lambda: _aggregate(uuid="agg-1"),
    "field 'name' is missing": lambda: _without("name"),
    "field 'name' must not be empty": lambda: _aggregate(name=""),
    "field 'hosts' must be list, got str": lambda: _aggregate(hosts="h1"),
    "field 'hosts[1]' must be str, got int": lambda: _aggregate(hosts=["h1", 2]),
    "field 'hosts[0]' must not be empty": lambda: _aggregate(hosts=[""]),
    "field 'hosts[0]' is longer than 255 characters": lambda: _aggregate(hosts=["h" * 256]),
    "field 'metadata' must be Mapping, got list": lambda: _aggregate(metadata=["a=b"]),
    "field 'metadata.ssd' must be str, got bool": lambda: _aggregate(metadata={"ssd": True}),
    "field 'metadata.availability_zone' must not be empty": lambda: _aggregate(
        metadata={"availability_zone": ""}
    ),
    "unknown major version 2.0 of AggregatePayload": lambda: _aggregate(version="2.0"),
}


@pytest.mark.parametrize("reason", sorted(REFUSED))
def test_an_aggregate_nova_would_not_send_is_refused_naming_the_field(reason):
    with pytest.raises(Rejected) as refused:
        decode(REFUSED[reason]())
    assert reason in str(refused.value)


# GET /os-aggregates (microversion 2.41 and later), as Nova's API reference shows it.
LISTED = {
    "availability_zone": "AZ-1",
    "created_at": "2016-12-27T23:47:32.911515",
    "deleted": False,
    "deleted_at": None,
    "hosts": ["compute2", "compute1"],
    "id": 1,
    "metadata": {"availability_zone": "AZ-1", "ssd": "true"},
    "name": "name",
    "updated_at": None,
    "uuid": "6ba28ba7-f29b-45cc-a30b-6e3a40c2fb14",
}


def test_a_listed_aggregate_is_an_event_stamped_by_the_listing():
    [event] = listed_aggregates([LISTED], STARTED)
    assert event.stamp == Stamp.at(STARTED, Precedence.LISTED)
    assert (event.uuid, event.action) == (LISTED["uuid"], Action.UPSERT)
    assert event.properties == {
        "id": 1,
        "name": "name",
        "metadata": ["availability_zone=AZ-1", "ssd=true"],
        "availability_zone": "AZ-1",
        "hosts": ["compute1", "compute2"],
    }


def test_a_listed_aggregate_is_refused_as_its_notification_would_be_naming_it():
    with pytest.raises(Rejected, match=r"'aggregates\[1\]\.hosts\[0\]' must not be empty"):
        listed_aggregates([LISTED, {**LISTED, "hosts": [""]}], STARTED)
    with pytest.raises(Rejected, match=r"'aggregates\[0\]\.uuid' is missing"):
        listed_aggregates([{**LISTED, "uuid": None}], STARTED)


def test_an_aggregate_a_complete_listing_lacks_is_a_deletion_stamped_by_it():
    gone = listed_gone(LISTED["uuid"], STARTED)
    assert (gone.action, gone.stamp) == (Action.DELETE, Stamp.at(STARTED, Precedence.LISTED_GONE))


def test_a_host_is_in_its_aggregates_zones_else_in_the_default_one():
    assert zones_wanted(["AZ-1", None, "AZ-2"], "nova") == {"AZ-1", "AZ-2"}
    assert zones_wanted([None], "nova") == {"nova"}
    assert zones_wanted([], "nova") == {"nova"}
    assert zones_wanted(["AZ-1"], "nova", going=True) == set()


# Resolve against a stored graph: one aggregate holding h1 and h2, h2 deleted at second 5.
STORED_AT = Stamp.at(at(2), Precedence.NOTIFIED, "m0")
H2_DELETED = Stamp.at(at(5), Precedence.DELETED, "d2")


def _stored():
    return {
        "compute_node": StoredComputeNodes({
            "h1": StoredComputeNode(described=True),
            "h2": StoredComputeNode(deleted_at=H2_DELETED),
            "h3": StoredComputeNode(),
        }),
        "aggregate": {
            UUID: StoredAggregate(STORED_AT, "AZ-1", ("h1", "h2"), frozenset({"h1", "h2"}))
        },
    }


def _writes(events):
    fold = BatchFold.of(events)
    keys = fold.lock_keys()
    keys["compute_node"] |= {"h1", "h2", "h3"}
    batch = resolve(fold, _stored(), keys)
    return {
        statement.name.rpartition("/")[2]: dict(statement.parameters)
        for statement in batch.writes.statements
    }, batch.resolved["compute_node"]


def test_a_newer_event_draws_its_hosts_not_deleted_since_and_drops_the_others():
    writes, hosts = _writes([decode(_aggregate(time=3, hosts=["h2", "h3"], message_id="m1"))])
    [row] = writes["write"]["rows"]
    assert row["links"] == [{"hostname": "h3", "key": f"{UUID}:h3"}]
    # h1 leaves the aggregate; h2 was deleted after the event (and before the stored one).
    assert writes["unlink"]["keys"] == [f"{UUID}:h1", f"{UUID}:h2"]
    # The zone changes from AZ-1 to the sample's nova: every host concerned is rezoned.
    assert hosts.rezone >= {"h1", "h2", "h3"}


def test_an_event_older_than_the_stored_one_changes_nothing_but_the_edges_a_deletion_took():
    writes, _ = _writes([decode(_aggregate(time=1, hosts=["h3"], message_id="m1"))])
    assert "write" not in writes
    # The stored edge to h2 predates h2's deletion.
    assert writes["unlink"]["keys"] == [f"{UUID}:h2"]


def test_a_deletion_removes_the_aggregate_and_its_hosts_are_rezoned():
    writes, hosts = _writes([decode(_aggregate("aggregate.delete.end", 3, message_id="m1"))])
    assert writes["remove"]["keys"] == [UUID]
    assert writes["tombstone"]["rows"][0]["uuid"] == UUID
    assert {"h1", "h2"} <= hosts.rezone and {"h1", "h2"} <= hosts.stub_candidates


EVENTS = [
    ("aggregate.add_host.end", 3, ["h1"], "AZ-1"),
    ("aggregate.remove_host.end", 4, [], "AZ-1"),
    ("aggregate.update_metadata.end", 4, ["h1", "h3"], "AZ-2"),
    ("aggregate.update_prop.end", 6, ["h3"], None),
    ("aggregate.delete.end", 4, ["h1"], None),
    ("aggregate.delete.end", 7, ["h1"], None),
]


def _event(index):
    event_type, time, hosts, zone = EVENTS[index]
    envelope = _aggregate(event_type, time, hosts=hosts, message_id=f"m{index}")
    envelope.payload["nova_object.data"]["metadata"] = (
        {"availability_zone": zone} if zone else {}
    )
    return decode(envelope)


@given(st.lists(st.sampled_from(range(len(EVENTS))), min_size=1, max_size=8), st.randoms())
def test_the_fold_and_resolve_do_not_depend_on_the_order_or_repetition_of_events(
    indexes, random
):
    events = [_event(index) for index in indexes]
    shuffled = events + events[: len(events) // 2]
    random.shuffle(shuffled)
    assert _writes(events)[0] == _writes(shuffled)[0]


# Which hosts a batch locks for its aggregates: only those whose membership or zone changes.
def _in_play(event, stored=None):
    fold = BatchFold.of([decode(event)]).folds["aggregate"]
    return hosts_in_play(fold, {UUID: stored} if stored else {})


def _zoned(event_type, time, hosts, zone="AZ-1"):
    envelope = _aggregate(event_type, time, hosts=hosts, message_id="m1")
    envelope.payload["nova_object.data"]["metadata"] = {"availability_zone": zone}
    return envelope


HOLDING_H1_H2 = StoredAggregate(STORED_AT, "AZ-1", ("h1", "h2"), frozenset({"h1", "h2"}))


def test_a_host_added_to_an_aggregate_is_the_only_host_the_batch_locks():
    assert _in_play(_zoned("aggregate.add_host.end", 3, ["h1", "h2", "h3"]), HOLDING_H1_H2) == {
        "h3"
    }


def test_a_host_removed_from_an_aggregate_is_the_only_host_the_batch_locks():
    assert _in_play(_zoned("aggregate.remove_host.end", 3, ["h1"]), HOLDING_H1_H2) == {"h2"}


def test_a_zone_change_locks_every_host_of_the_aggregate_old_and_new():
    event = _zoned("aggregate.update_metadata.end", 3, ["h1", "h3"], zone="AZ-2")
    assert _in_play(event, HOLDING_H1_H2) == {"h1", "h2", "h3"}


def test_a_deletion_locks_every_host_the_aggregate_contains():
    assert _in_play(_zoned("aggregate.delete.end", 3, []), HOLDING_H1_H2) == {"h1", "h2"}


def test_an_event_older_than_the_stored_aggregate_locks_no_host():
    assert _in_play(_zoned("aggregate.add_host.end", 1, ["h3"]), HOLDING_H1_H2) == set()


def test_a_new_aggregate_locks_every_host_it_names():
    assert _in_play(_zoned("aggregate.create.end", 3, ["h1", "h2"])) == {"h1", "h2"}
