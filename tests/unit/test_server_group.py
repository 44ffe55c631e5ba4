"""Server groups: ServerGroupPayload 1.0 and 1.1 decoded, each refusal naming its field, the
fold and resolve order-free, and the events a reconcile makes of ``/os-server-groups``."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdm_graph.families import REGISTRY, decode
from cdm_graph.families.base import Action, listed
from cdm_graph.families.instance import SERVER_GROUP, InstanceFold
from cdm_graph.families.server_group import (
    ServerGroupEvent,
    ServerGroupFamily,
    StoredServerGroup,
    listed_server_group,
    listed_server_group_gone,
)
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.transport.envelope import Envelope, Rejected
from tests.nova import notification

GROUP = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"
A = "00000000-0000-0000-0000-00000000000a"
B = "00000000-0000-0000-0000-00000000000b"
STARTED = datetime(2026, 1, 1, 12, 0, 0)


def _payload_1_0(**data: Any) -> Envelope:
    """The sample as Nova sent it before ServerGroupPayload 1.1: ``policies``, no ``policy``
    and no ``rules``."""
    envelope = notification("server_group.create", 1)
    payload = copy.deepcopy(envelope.payload)
    payload["nova_object.version"] = "1.0"
    fields = payload["nova_object.data"]
    del fields["policy"], fields["rules"]
    fields.update(data)
    return Envelope(
        event_type=envelope.event_type, payload=payload, time=envelope.time,
        publisher_id=envelope.publisher_id, priority=envelope.priority,
    )


def _rejected(envelope: Envelope) -> str:
    with pytest.raises(Rejected) as refusal:
        decode(envelope)
    return str(refusal.value)


# --------------------------------------------------------------------------- decoding


def test_a_1_1_payload_gives_its_policy_rules_and_members():
    event = decode(notification("server_group.add_member", 1, members=[B, A, A]))
    assert isinstance(event, ServerGroupEvent)
    assert (event.uuid, event.action) == (GROUP, Action.UPSERT)
    assert event.properties == {
        "name": "test-server-group",
        "project_id": "6f70656e737461636b20342065766572",
        "user_id": "fake",
        "policy": "anti-affinity",
        "rules": ["max_server_per_host=3"],
        "members": [A, B],
    }


def test_a_1_0_payload_gives_the_one_entry_of_its_policies_and_no_rules():
    event = decode(_payload_1_0(policies=["soft-affinity"]))
    assert event.properties["policy"] == "soft-affinity"
    assert event.properties["rules"] == []


def test_a_1_1_policy_wins_over_the_policies_list_it_still_carries():
    event = decode(notification("server_group.create", 1, policy="affinity"))
    assert event.properties["policy"] == "affinity"


def test_a_deletion_is_a_deletion_of_the_group():
    event = decode(notification("server_group.delete", 1))
    assert (event.key, event.action) == (GROUP, Action.DELETE)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"uuid": None}, "'uuid' is missing"),
        ({"uuid": "not-a-uuid"}, "'uuid' must be a UUID"),
        ({"name": None}, "'name' is missing"),
        ({"name": ""}, "'name' must not be empty"),
        ({"policy": "best-effort"}, "'policy' is 'best-effort', not a policy Nova defines"),
        ({"policy": 3}, "'policy' must be str"),
        ({"members": "00000000-0000-0000-0000-00000000000a"}, "'members' must be list"),
        ({"members": [A, 7]}, "'members[1]' must be str, got int"),
        ({"members": ["instance-a"]}, "'members' must be a UUID"),
        ({"rules": ["max_server_per_host"]}, "'rules' must be Mapping"),
        ({"rules": {"max_server_per_host": 3}}, "'rules.max_server_per_host' must be str, got int"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_a_1_1_payload_is_refused_naming_the_field(data, field):
    assert field in _rejected(notification("server_group.create", 1, **data))


@pytest.mark.parametrize(
    ("policies", "field"),
    [
        (None, "'policy' is missing, and so is 'policies'"),
        (["affinity", "anti-affinity"], "'policies' must be a list of one policy"),
        (["spread"], "'policies[0]' is 'spread', not a policy Nova defines"),
        ([1], "'policies[0]' must be str, got int"),
    ],
)
def test_a_1_0_payload_is_refused_naming_the_field(policies, field):
    assert field in _rejected(_payload_1_0(policies=policies))


def test_an_unknown_major_version_is_refused():
    envelope = notification("server_group.create", 1)
    envelope.payload["nova_object.version"] = "2.0"
    assert "unknown major version 2.0 of ServerGroupPayload" in _rejected(envelope)


# --------------------------------------------------------------------------- fold, resolve

EVENTS = [
    decode(notification("server_group.create", 1, message_id="m1")),
    decode(notification("server_group.add_member", 2, message_id="m2", members=[A])),
    # A tie: the greater message id wins, wherever it arrives.
    decode(notification("server_group.add_member", 2, message_id="m3", members=[A, B])),
    decode(notification("server_group.delete", 0.5, message_id="m0")),
]


def _writes(events, stored=None, live=()):
    fold = BatchFold.of(events)
    keys = fold.lock_keys()
    stored = {"server_group": stored or {}, "instance": {}}
    batch = resolve(fold, stored, keys)
    # The instance family's resolve left the live instances for the groups' (none stored).
    assert batch.resolved["instance"] == set()
    return {s.name.removeprefix("batch/server_group/"): s.parameters
            for s in batch.writes.statements}


@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=4))
def test_order_and_repetition_do_not_change_the_writes(events, repeats):
    assert _writes(events + repeats) == _writes(EVENTS)


def test_the_newest_event_after_the_deletion_names_the_members():
    writes = _writes(EVENTS)
    [row] = writes["write"]["rows"]
    assert row["properties"]["members"] == [A, B]
    assert row["properties"]["last_event"] == "server_group.add_member"
    assert writes["tombstone"]["rows"][0]["deleted_at_us"] < row["properties"]["event_time_us"]
    # Every member gets its pair; none is an instance of the graph, so none is linked.
    assert (row["named"], row["linked"]) == ([A, B], [])


def test_a_group_batch_locks_the_members_its_newest_event_names():
    keys = BatchFold.of(EVENTS).lock_keys()
    assert keys["server_group"] == {GROUP}
    assert keys["instance"] == {A, B}


def test_an_event_older_than_the_stored_description_changes_nothing():
    stored = {GROUP: StoredServerGroup(event_time=EVENTS[2].stamp, members=(A, B))}
    assert _writes(EVENTS[:2], stored) == {}


def test_a_deletion_newer_than_the_group_removes_it_and_its_pairs():
    stored = {GROUP: StoredServerGroup(event_time=EVENTS[0].stamp, members=(A,))}
    writes = _writes([decode(notification("server_group.delete", 9))], stored)
    assert writes["remove"] == {"keys": [GROUP]}
    assert writes["forget_members"] == {"keys": [GROUP]}


def test_an_instance_batch_locks_a_group_only_for_an_instance_that_may_appear_or_go():
    created = InstanceFold()
    created.add(decode(notification("instance.create.end", 1, uuid=A)))
    deleted = InstanceFold()
    deleted.add(decode(notification("instance.delete.end", 1, uuid=A)))
    assert created.may_appear_or_go(exists=False)
    assert not created.may_appear_or_go(exists=True)
    assert deleted.may_appear_or_go(exists=True)
    assert not deleted.may_appear_or_go(exists=False)


def test_the_instance_family_names_the_server_groups_by_their_family_s_name():
    assert ServerGroupFamily.name == SERVER_GROUP


def test_server_groups_are_registered_last():
    assert REGISTRY.families[-1].name == "server_group"


# --------------------------------------------------------------------------- the API's shape

API_2_64 = {
    "id": GROUP,
    "name": "test-server-group",
    "policy": "anti-affinity",
    "rules": {"max_server_per_host": 3},
    "members": [B, A],
    "project_id": "6f70656e737461636b20342065766572",
    "user_id": "fake",
}
API_2_1 = {
    "id": GROUP,
    "name": "test-server-group",
    "policies": ["anti-affinity"],
    "members": [B, A],
    "metadata": {},
    "project_id": "6f70656e737461636b20342065766572",
    "user_id": "fake",
}


def test_a_listed_group_of_microversion_2_64_is_the_notification_s_group():
    event = listed_server_group(API_2_64, STARTED)
    assert (event.key, event.action, event.event_type) == (GROUP, Action.UPSERT, "reconcile")
    assert event.stamp == listed(STARTED, Action.UPSERT)
    assert event.properties == decode(
        notification("server_group.create", 1, members=[A, B])
    ).properties


def test_a_listed_group_of_an_older_microversion_reads_policies_and_lacks_rules():
    event = listed_server_group(API_2_1, STARTED)
    assert event.properties["policy"] == "anti-affinity"
    # Not shown before 2.64: the graph keeps what notifications wrote.
    assert "rules" not in event.properties


@pytest.mark.parametrize(
    ("group", "field"),
    [
        ({**API_2_64, "policy": "spread"}, "'policy' is 'spread'"),
        ({**API_2_64, "name": None}, "'name' is missing"),
        ({**API_2_64, "members": ["x"]}, "'members' must be a UUID"),
        ({**API_2_64, "rules": {"max_server_per_host": [3]}}, "'rules' must be a map"),
    ],
    ids=["policy", "name", "members", "rules"],
)
def test_a_listed_group_nova_could_not_have_is_refused_naming_the_field(group, field):
    with pytest.raises(Rejected, match=field):
        listed_server_group(group, STARTED)


def test_a_group_a_complete_listing_no_longer_shows_is_a_listed_deletion():
    event = listed_server_group_gone(GROUP, STARTED)
    assert (event.key, event.action) == (GROUP, Action.DELETE)
    assert event.stamp == listed(STARTED, Action.DELETE)
    assert event.stamp.time == STARTED
