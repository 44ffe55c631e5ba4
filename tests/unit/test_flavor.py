"""The flavor family: FlavorPayload 1.0 to 1.4 decoded, rejections naming the field, the
fold and resolve order-free, the flavors an instance batch locks, and flavors from the API."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdm_graph.families import decode
from cdm_graph.families.base import Action, listed
from cdm_graph.families.flavor import NAME as FLAVOR
from cdm_graph.families.flavor import (
    FlavorEvent,
    StoredFlavor,
    flavor_properties,
    listed_flavor,
    listed_flavor_gone,
)
from cdm_graph.families.instance import InstanceFold, StoredInstance, flavor_keys, still_reached
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.plan.clock import Precedence, Stamp
from cdm_graph.schema.flavor import DESCRIPTION_FIELDS
from cdm_graph.transport.envelope import Rejected
from tests.nova import at, notification
from tests.plans import stored_graph

FLAVORID = "a22d5517-147c-4147-a0d1-e698df5cd4e3"
# The fields each minor version of FlavorPayload added (nova/notifications/objects/flavor.py).
ADDED = {
    "1.0": ("flavorid", "memory_mb", "vcpus", "root_gb", "ephemeral_gb"),
    "1.1": ("name", "swap", "rxtx_factor", "vcpu_weight", "disabled", "is_public"),
    "1.2": ("extra_specs", "projects"),
    "1.3": (),
    "1.4": ("description",),
}
VERSIONS = list(ADDED)


def _of_version(version: str, event_type: str = "flavor.update", time: float = 1):
    """Nova's flavor.update sample as a payload of ``version``: the fields it had, no more."""
    envelope = notification(event_type, time, sample="flavor.update")
    known = {name for v in VERSIONS[: VERSIONS.index(version) + 1] for name in ADDED[v]}
    payload = copy.deepcopy(envelope.payload)
    payload["nova_object.version"] = version
    payload["nova_object.data"] = {
        name: value for name, value in payload["nova_object.data"].items() if name in known
    }
    return replace(envelope, payload=payload)


@pytest.mark.parametrize("version", VERSIONS)
def test_each_payload_version_gives_what_it_carries_and_null_for_what_it_lacks(version):
    event = decode(_of_version(version))
    assert isinstance(event, FlavorEvent)
    assert (event.flavorid, event.action) == (FLAVORID, Action.UPSERT)
    assert tuple(event.properties) == DESCRIPTION_FIELDS
    carried = {name for v in VERSIONS[: VERSIONS.index(version) + 1] for name in ADDED[v]}
    for name in DESCRIPTION_FIELDS:
        if name not in carried and name != "extra_specs":
            assert event.properties[name] is None, name
    assert event.properties["vcpus"] == 2
    if "extra_specs" in carried:
        assert event.properties["extra_specs"] == ["hw:numa_nodes=2"]
        assert event.properties["projects"] == ["6f70656e737461636b20342065766572"]
    else:
        # A map Nova did not send is an empty list, as an instance's extra_specs.
        assert event.properties["extra_specs"] == []


def test_nova_samples_decode_whole():
    created = decode(notification("flavor.create", 1))
    assert created.properties == {
        "name": "test_flavor", "memory_mb": 1024, "vcpus": 2, "root_gb": 10,
        "ephemeral_gb": 0, "swap": 0, "rxtx_factor": 2.0, "vcpu_weight": 0,
        "disabled": False, "is_public": True, "projects": [], "extra_specs": [],
        "description": None,
    }
    deleted = decode(notification("flavor.delete", 2))
    assert (deleted.action, deleted.properties["projects"]) == (Action.DELETE, None)


def test_projects_and_extra_specs_null_since_1_3_are_no_rejection():
    event = decode(notification("flavor.update", 1, extra_specs=None, projects=None))
    assert (event.properties["extra_specs"], event.properties["projects"]) == ([], None)


def test_projects_are_kept_sorted():
    event = decode(notification("flavor.update", 1, projects=["p2", "p1"]))
    assert event.properties["projects"] == ["p1", "p2"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"flavorid": None}, "'flavorid' is missing"),
        ({"flavorid": ""}, "'flavorid' must not be empty"),
        ({"flavorid": "f" * 256}, "'flavorid' is longer than 255"),
        ({"name": "n" * 256}, "'name' is longer than 255"),
        ({"vcpus": "2"}, "'vcpus' must be int, got str"),
        ({"memory_mb": 1.5}, "'memory_mb' must be int, got float"),
        ({"rxtx_factor": "1"}, "'rxtx_factor' must be int or float"),
        ({"is_public": "yes"}, "'is_public' must be bool"),
        ({"projects": "p1"}, "'projects' must be list, got str"),
        ({"projects": ["p1", 2]}, "'projects[1]' must be str, got int"),
        ({"extra_specs": {"hw:cpu_policy": 1}}, "'extra_specs.hw:cpu_policy' must be str, got int"),
        ({"extra_specs": ["a=b"]}, "'extra_specs' must be Mapping"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_a_bad_field_refuses_the_event_naming_the_field(data, field):
    with pytest.raises(Rejected, match=re.escape(field)):
        decode(notification("flavor.update", 1, **data))


def test_an_unknown_major_version_is_refused():
    envelope = notification("flavor.create", 1)
    envelope.payload["nova_object.version"] = "2.0"
    with pytest.raises(Rejected, match=re.escape("unknown major version 2.0 of FlavorPayload")):
        decode(envelope)


# The fold and resolve.

EVENTS = [
    decode(notification("flavor.create", 1, message_id="m1")),
    decode(notification("flavor.update", 2, message_id="m2", extra_specs={"a": "1"})),
    # A tie of times: the greater message id wins wherever it arrives.
    decode(notification("flavor.update", 2, message_id="m3", extra_specs={"a": "2"})),
    decode(notification("flavor.delete", 3, message_id="m4")),
    decode(notification("flavor.create", 4, message_id="m5", name="again")),
    decode(notification("flavor.update", 1, message_id="m6", flavorid="other")),
    decode(notification("flavor.delete", 1, message_id="m7", flavorid="other")),
]


def _writes(events, stored=None):
    state = stored_graph({}, {})
    state[FLAVOR] = dict(stored or {})
    writes = resolve(BatchFold.of(events), state).writes
    return {s.name.removeprefix("batch/"): s.parameters for s in writes.statements}


@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=5))
def test_order_and_repetition_do_not_change_the_flavor_writes(events, repeats):
    assert _writes(events + repeats) == _writes(EVENTS)


def test_the_newest_description_after_the_newest_deletion_wins_whole():
    writes = _writes(EVENTS)
    [row] = writes["flavor/upsert"]["rows"]
    assert (row["flavorid"], row["properties"]["name"]) == (FLAVORID, "again")
    assert row["properties"]["extra_specs"] == []
    # A deletion at one time with an update wins the tie: "other" is not described.
    assert {row["flavorid"] for row in writes["flavor/tombstone"]["rows"]} == {FLAVORID, "other"}


def _stamp(time: float, message_id: str = "s") -> Stamp:
    return Stamp.at(at(time), Precedence.NOTIFIED, message_id)


def test_a_deletion_newer_than_the_stored_description_undescribes_the_flavor():
    stored = {FLAVORID: StoredFlavor(described=True, event_time=_stamp(1))}
    writes = _writes([decode(notification("flavor.delete", 2))], stored)
    assert writes["flavor/undescribe"] == {"keys": [FLAVORID]}
    assert "flavor/upsert" not in writes


def test_an_event_older_than_a_stored_deletion_does_not_bring_the_flavor_back():
    deleted = Stamp.at(at(5), Precedence.DELETED, "d")
    stored = {FLAVORID: StoredFlavor(deleted_at=deleted)}
    assert _writes([decode(notification("flavor.update", 4))], stored) == {}
    newer = _writes([decode(notification("flavor.update", 6))], stored)
    assert [row["flavorid"] for row in newer["flavor/upsert"]["rows"]] == [FLAVORID]


def test_a_flavor_the_batch_leaves_undescribed_may_be_left_as_an_empty_stub():
    # FLAVORID is created again after its deletion; "other" is deleted last.
    batch = resolve(BatchFold.of(EVENTS), {})
    assert batch.resolved[FLAVOR].stub_candidates == {"other"}


def test_a_described_flavor_the_batch_only_updates_is_no_empty_stub():
    stored = stored_graph({}, {})
    stored[FLAVOR] = {FLAVORID: StoredFlavor(described=True, event_time=_stamp(1))}
    batch = resolve(BatchFold.of([decode(notification("flavor.update", 2))]), stored)
    assert batch.resolved[FLAVOR].stub_candidates == set()


def test_a_described_flavor_a_stale_event_leaves_alone_is_no_empty_stub():
    stored = stored_graph({}, {})
    stored[FLAVOR] = {FLAVORID: StoredFlavor(described=True, event_time=_stamp(5))}
    batch = resolve(BatchFold.of([decode(notification("flavor.update", 2))]), stored)
    assert batch.resolved[FLAVOR].stub_candidates == set()


# The flavors an instance batch locks.

def _instance(event_type: str, time: float, flavorid: str = "f1"):
    return decode(notification(event_type, time, host="h1", flavor={"flavorid": flavorid}))


def _fold(*events) -> InstanceFold:
    fold = InstanceFold()
    for event in events:
        fold.add(event)
    return fold


def test_an_update_of_the_same_flavor_locks_no_flavor():
    assert flavor_keys(_fold(_instance("instance.update", 2)), "f1") == set()


def test_a_new_instance_locks_its_flavor():
    assert flavor_keys(_fold(_instance("instance.create.end", 1)), None) == {"f1"}


def test_a_resize_locks_the_old_and_the_new_flavor():
    assert flavor_keys(_fold(_instance("instance.resize.end", 2, "f2")), "f1") == {"f1", "f2"}


def test_a_deletion_locks_the_stored_flavor():
    deletion = decode(notification("instance.delete.end", 2))
    assert flavor_keys(_fold(deletion), "f1") == {"f1"}
    assert flavor_keys(_fold(deletion), None) == set()


def test_a_listing_that_does_not_show_the_flavor_id_locks_no_flavor():
    # A reconcile's instance event: /servers/detail does not show the flavor id.
    update = _instance("instance.update", 2)
    listing = replace(update, properties={
        name: value for name, value in update.properties.items() if name != "flavor_id"
    })
    assert flavor_keys(_fold(listing), "f1") == set()


def test_only_a_changed_flavor_writes_edges():
    def edges(*events, stored_flavor):
        stored = stored_graph(
            {events[0].uuid: StoredInstance(
                {"event_time": _stamp(0)}, flavor_id=stored_flavor
            )} if stored_flavor else {}, {}
        )
        writes = {s.name.removeprefix("batch/instance/"): s.parameters
                  for s in resolve(BatchFold.of(events), stored).writes.statements}
        drawn = [row["flavorid"] for row in writes.get("write", {}).get("rows", ())
                 if row["flavorid"] is not None]
        return writes.get("unflavor"), drawn

    assert edges(_instance("instance.update", 2), stored_flavor="f1") == (None, [])
    uuid = _instance("instance.update", 2).uuid
    assert edges(_instance("instance.resize.end", 2, "f2"), stored_flavor="f1") == (
        {"keys": [uuid]}, ["f2"]
    )
    assert edges(_instance("instance.create.end", 1), stored_flavor=None) == (None, ["f1"])


def test_a_flavor_is_still_reached_while_more_instances_are_of_it_than_leave_it():
    def of(flavor, count):
        return StoredInstance({}, flavor_id=flavor, flavor_instances=count)

    stored = {"a": of("f1", 2), "b": of("f1", 2), "c": of("f2", 3), "d": StoredInstance({})}
    assert still_reached(stored, leaving={"a"}) == {"f1", "f2"}
    assert still_reached(stored, leaving={"a", "b", "c", "d"}) == {"f2"}
    assert still_reached({"a": of("f1", 1)}, leaving={"a"}) == set()


# Flavors as the API shows them, for a reconcile.

STARTED = datetime(2026, 1, 1, 9, 0, 0)
# GET /flavors/detail (microversion 2.61: extra_specs shown; before 2.75 swap "" for none).
PRIVATE = {
    "id": "42",
    "name": "m1.gold",
    "ram": 2048,
    "disk": 20,
    "vcpus": 2,
    "OS-FLV-EXT-DATA:ephemeral": 5,
    "swap": "",
    "rxtx_factor": 1.0,
    "OS-FLV-DISABLED:disabled": False,
    "os-flavor-access:is_public": False,
    "description": "gold tier",
    "extra_specs": {"hw:cpu_policy": "dedicated"},
    "links": [],
}
# GET /flavors/42/os-flavor-access
ACCESS = [{"flavor_id": "42", "tenant_id": "p2"}, {"flavor_id": "42", "tenant_id": "p1"}]


def test_a_listed_flavor_is_an_upsert_stamped_by_the_listing():
    event = listed_flavor(PRIVATE, STARTED, access=ACCESS)
    assert (event.flavorid, event.action, event.event_type) == ("42", Action.UPSERT, "reconcile")
    assert event.stamp == listed(STARTED, Action.UPSERT)
    assert event.properties == {
        "name": "m1.gold", "memory_mb": 2048, "vcpus": 2, "root_gb": 20, "ephemeral_gb": 5,
        "swap": 0, "rxtx_factor": 1.0, "disabled": False, "is_public": False,
        "projects": ["p1", "p2"], "extra_specs": ["hw:cpu_policy=dedicated"],
        "description": "gold tier",
    }


def test_a_listed_flavor_lacks_what_the_api_does_not_show():
    # vcpu_weight never; the projects of a private flavor whose access list was not read.
    event = listed_flavor(PRIVATE, STARTED)
    assert set(DESCRIPTION_FIELDS) - set(event.properties) == {"vcpu_weight", "projects"}


def test_a_public_flavor_is_shared_with_no_project_and_extra_specs_come_from_their_own_call():
    public = {**PRIVATE, "os-flavor-access:is_public": True, "swap": 512}
    del public["extra_specs"]
    properties = flavor_properties(public, extra_specs={"b": "2", "a": "1"})
    assert (properties["projects"], properties["extra_specs"]) == ([], ["a=1", "b=2"])
    assert properties["swap"] == 512


def test_a_flavor_a_complete_listing_lacks_is_a_deletion_stamped_by_the_listing():
    event = listed_flavor_gone("42", STARTED)
    assert (event.flavorid, event.action) == ("42", Action.DELETE)
    assert event.stamp == listed(STARTED, Action.DELETE)
