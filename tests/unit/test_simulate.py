"""The simulated Nova sends what Nova sends, and knows the cloud it ends with.

The truth is checked against the stream itself: each test reads back, from the messages
alone, what Nova said last of each element, and compares it with ``truth()``.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from cdm_graph.families import decode
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.simulate import (
    FLAVORS,
    NovaSimulator,
    SimulatedHost,
    SimulatedInstance,
    cloud_truth,
)
from cdm_graph.transport.envelope import Skipped, from_record
from cdm_graph.transport.samples import load_sample
from tests.nova import sample_file

OPERATIONS = 400
# A seed whose 400 operations hold every event type, a flavor deleted while an instance
# still uses it, a deleted instance left in its group's list, a zone given to an aggregate
# with a host, a service deleted whose host an aggregate held, and a host in the default
# zone at the end.
SEED = 15

FAMILY_EVENTS = {
    "aggregate.create.start",
    "aggregate.create.end",
    "aggregate.delete.start",
    "aggregate.delete.end",
    "aggregate.add_host.start",
    "aggregate.add_host.end",
    "aggregate.remove_host.start",
    "aggregate.remove_host.end",
    "aggregate.update_metadata.start",
    "aggregate.update_metadata.end",
    "aggregate.update_prop.start",
    "aggregate.update_prop.end",
    "flavor.create",
    "flavor.update",
    "flavor.delete",
    "server_group.create",
    "server_group.add_member",
    "server_group.delete",
}


@functools.cache
def _cached(seed: int) -> tuple[NovaSimulator, tuple[dict[str, Any], ...]]:
    simulator = NovaSimulator(hosts=6, instances=30, seed=seed)
    messages = tuple(simulator.messages(OPERATIONS, start=datetime(2026, 1, 1, 9)))
    return simulator, messages


def _stream(seed: int = SEED) -> tuple[NovaSimulator, list[dict[str, Any]]]:
    simulator, messages = _cached(seed)
    return simulator, list(messages)


def _truth() -> dict[str, dict[str, Any]]:
    return _stream()[0].truth()


def _data(message: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = message["payload"]["nova_object.data"]
    return data


def _pairs(mapping: dict[str, str] | None) -> list[str]:
    return sorted(f"{key}={value}" for key, value in (mapping or {}).items())


def _object_shape(payload: dict) -> tuple[str, str, frozenset[str]]:
    return (
        payload["nova_object.name"],
        payload["nova_object.version"],
        frozenset(payload["nova_object.data"]),
    )


def _aggregates_as_sent(messages: list[dict[str, Any]]) -> Iterator[dict[str, dict[str, Any]]]:
    """After each message, every aggregate as the newest ``aggregate.*.end`` says it."""
    aggregates: dict[str, dict[str, Any]] = {}
    for message in messages:
        event_type = message["event_type"]
        if event_type.startswith("aggregate.") and event_type.endswith(".end"):
            data = _data(message)
            if event_type == "aggregate.delete.end":
                aggregates.pop(data["uuid"], None)
            else:
                aggregates[data["uuid"]] = data
        yield dict(aggregates)


def _instance_hosts_as_sent(messages: list[dict[str, Any]]) -> Iterator[dict[str, str | None]]:
    """After each message, every live instance's host as its newest ``instance.update``
    says it (the simulator sends one after every change of host)."""
    hosts: dict[str, str | None] = {}
    for message in messages:
        if message["event_type"] == "instance.update":
            hosts[_data(message)["uuid"]] = _data(message)["host"]
        elif message["event_type"] == "instance.delete.end":
            hosts.pop(_data(message)["uuid"], None)
        yield dict(hosts)


# --- what the stream looks like ---------------------------------------------------------


def test_the_same_seed_gives_the_same_stream_and_truth():
    first = NovaSimulator(hosts=6, instances=30, seed=3)
    second = NovaSimulator(hosts=6, instances=30, seed=3)
    start = datetime(2026, 1, 1, 9)
    assert list(first.messages(OPERATIONS, start=start)) == list(
        second.messages(OPERATIONS, start=start)
    )
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
        "service.create",
        "service.update",
        "service.delete",
        *sorted(FAMILY_EVENTS),
    ],
)
def test_payloads_have_the_object_name_version_and_fields_of_novas_samples(event_type):
    _, messages = _stream()
    produced = next(m for m in messages if m["event_type"] == event_type)
    sample = load_sample(sample_file(event_type))
    assert _object_shape(produced["payload"]) == _object_shape(sample["payload"])


def test_an_instance_embeds_its_flavor_as_novas_samples_do():
    _, messages = _stream()
    produced = next(m for m in messages if m["event_type"] == "instance.create.end")
    sample = load_sample(sample_file("instance.create.end"))
    flavor = sample["payload"]["nova_object.data"]["flavor"]
    assert _object_shape(_data(produced)["flavor"]) == _object_shape(flavor)


def test_publishers_are_the_service_and_host_as_nova_names_them():
    _, messages = _stream()
    compute = [m for m in messages if m["event_type"].startswith("instance.")]
    assert all(m["publisher_id"].startswith("nova-compute:") for m in compute)
    services = {
        m["publisher_id"].split(":")[0] for m in messages if m["event_type"] == "service.create"
    }
    assert services == {"nova-compute", "nova-conductor", "nova-scheduler"}


def test_aggregates_flavors_and_server_groups_are_published_by_nova_api():
    _, messages = _stream()
    publishers = {m["publisher_id"] for m in messages if m["event_type"] in FAMILY_EVENTS}
    assert publishers == {"nova-api:controller"}


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
        "service.create",
        "service.update",
        "service.delete",
        *FAMILY_EVENTS,
    } <= event_types


def test_the_new_families_are_a_small_share_of_a_large_clouds_stream():
    # The benchmark's simulator row must stay comparable: instances and services keep the
    # stream's shape and volume, the new families add a few percent.
    simulator = NovaSimulator(hosts=40, instances=800, seed=5)
    event_types = Counter(n.event_type.split(".")[0] for n in simulator.notifications(3000))
    total = sum(event_types.values())
    added = event_types["aggregate"] + event_types["flavor"] + event_types["server_group"]
    assert 0 < added / total < 0.08


# --- the cloud at start-up --------------------------------------------------------------


def test_the_cloud_starts_with_zones_a_host_in_the_default_zone_and_tagging_aggregates():
    simulator = NovaSimulator(hosts=16, instances=50, seed=1)
    list(simulator.notifications(0))
    truth = simulator.truth()
    zoned = [a for a in truth["aggregates"].values() if a["availability_zone"]]
    tagging = [a for a in truth["aggregates"].values() if not a["availability_zone"]]
    assert len({a["availability_zone"] for a in zoned}) >= 2
    assert any(len(a["hosts"]) > 1 for a in tagging)
    assert truth["zones"]["nova"]["hosts"]


def test_the_cloud_starts_with_public_and_private_flavors_with_extra_specs():
    simulator = NovaSimulator(hosts=4, instances=10, seed=1)
    list(simulator.notifications(0))
    flavors = simulator.truth()["flavors"].values()
    assert any(f["is_public"] and f["extra_specs"] for f in flavors)
    assert any(not f["is_public"] and f["projects"] and f["extra_specs"] for f in flavors)


def test_the_cloud_starts_with_a_server_group_of_each_policy():
    simulator = NovaSimulator(hosts=4, instances=10, seed=1)
    list(simulator.notifications(0))
    groups = simulator.truth()["server_groups"].values()
    assert {g["policy"] for g in groups} == {
        "affinity",
        "anti-affinity",
        "soft-affinity",
        "soft-anti-affinity",
    }


# --- Nova's rules -----------------------------------------------------------------------


def test_a_compute_service_is_deleted_only_once_no_aggregate_holds_its_host():
    _, messages = _stream()
    deleted = 0
    for message, aggregates in zip(messages, _aggregates_as_sent(messages), strict=True):
        if message["event_type"] == "service.delete":
            deleted += 1
            host = _data(message)["host"]
            assert all(host not in a["hosts"] for a in aggregates.values()), host
    assert deleted


def test_a_compute_service_is_deleted_only_once_no_instance_is_on_its_host():
    _, messages = _stream()
    for message, hosts in zip(messages, _instance_hosts_as_sent(messages), strict=True):
        if message["event_type"] == "service.delete":
            assert _data(message)["host"] not in hosts.values()


def test_a_service_deletion_comes_right_after_its_host_left_each_aggregate_holding_it():
    _, messages = _stream()
    states = list(_aggregates_as_sent(messages))
    held = 0
    for position, message in enumerate(messages):
        if message["event_type"] != "service.delete":
            continue
        host = _data(message)["host"]
        first = position
        while messages[first - 1]["event_type"].startswith("aggregate.remove_host."):
            first -= 1
        holding = {uuid for uuid, a in states[first - 1].items() if host in a["hosts"]}
        left = {
            _data(m)["uuid"]
            for m in messages[first:position]
            if m["event_type"] == "aggregate.remove_host.end"
        }
        assert left == holding, host
        held += bool(holding)
    assert held


def test_only_an_empty_aggregate_is_deleted():
    _, messages = _stream()
    deletions = [m for m in messages if m["event_type"] == "aggregate.delete.end"]
    assert deletions and all(_data(m)["hosts"] == [] for m in deletions)


def test_a_zone_changes_only_on_an_aggregate_whose_hosts_have_no_instances():
    _, messages = _stream()
    zone_of: dict[str, str | None] = {}
    changed = 0
    for message, hosts in zip(messages, _instance_hosts_as_sent(messages), strict=True):
        if message["event_type"] != "aggregate.update_metadata.end":
            if message["event_type"] == "aggregate.create.end":
                zone_of[_data(message)["uuid"]] = _data(message)["metadata"].get(
                    "availability_zone"
                )
            continue
        data = _data(message)
        zone = data["metadata"].get("availability_zone")
        if zone != zone_of.get(data["uuid"]) and data["hosts"]:
            changed += 1
            assert not set(data["hosts"]) & set(hosts.values())
        zone_of[data["uuid"]] = zone
    assert changed


def test_a_host_is_in_one_zone_at_most():
    _, messages = _stream()
    for aggregates in _aggregates_as_sent(messages):
        zones: dict[str, set[str]] = {}
        for aggregate in aggregates.values():
            zone = aggregate["metadata"].get("availability_zone")
            for host in aggregate["hosts"] if zone else ():
                zones.setdefault(host, set()).add(zone)
        assert all(len(found) == 1 for found in zones.values())


def test_a_member_is_added_before_any_notification_of_its_instance():
    _, messages = _stream()
    seen: set[str] = set()
    added = 0
    for message in messages:
        if message["event_type"] == "server_group.add_member":
            added += 1
            assert _data(message)["members"][-1] not in seen
        elif message["event_type"].startswith("instance."):
            seen.add(_data(message)["uuid"])
    assert added


def test_add_member_carries_the_groups_whole_member_list():
    _, messages = _stream()
    lists: dict[str, list[str]] = {}
    for message in messages:
        if message["event_type"] in ("server_group.create", "server_group.add_member"):
            data = _data(message)
            before = lists.get(data["uuid"], [])
            assert data["members"][:-1] == before or set(data["members"][:-1]) < set(before)
            lists[data["uuid"]] = data["members"]


def test_hard_policies_hold_in_the_truth():
    truth = _truth()
    host_of = {uuid: i["host"] for uuid, i in truth["instances"].items()}
    for group in truth["server_groups"].values():
        hosts = Counter(host_of[m] for m in group["has_member"] if host_of[m])
        if group["policy"] == "affinity":
            assert len(hosts) <= 1
        if group["policy"] == "anti-affinity":
            limit = int(dict(r.split("=") for r in group["rules"]).get("max_server_per_host", 1))
            assert all(count <= limit for count in hosts.values())


def test_instances_boot_with_a_flavor_their_project_may_use():
    _, messages = _stream()
    flavors: dict[str, dict[str, Any]] = {}
    booted = 0
    for message in messages:
        if message["event_type"] in ("flavor.create", "flavor.update"):
            flavors[_data(message)["flavorid"]] = _data(message)
        elif message["event_type"] == "flavor.delete":
            del flavors[_data(message)["flavorid"]]
        elif message["event_type"] == "instance.create.end":
            booted += 1
            data = _data(message)
            flavor = flavors[data["flavor"]["nova_object.data"]["flavorid"]]
            assert flavor["is_public"] or data["tenant_id"] in flavor["projects"]
            assert data["flavor"]["nova_object.data"]["extra_specs"] == (
                flavor["extra_specs"] or {}
            )
    assert booted


def test_a_resize_moves_the_instance_to_another_simulated_flavor():
    _, messages = _stream()
    flavor_of: dict[str, str] = {}
    described: set[str] = set()
    resized = 0
    for message in messages:
        if message["event_type"] == "flavor.create":
            described.add(_data(message)["flavorid"])
        if not message["event_type"].startswith("instance."):
            continue
        data = _data(message)
        flavorid = data["flavor"]["nova_object.data"]["flavorid"]
        if message["event_type"] == "instance.resize_finish.end":
            resized += 1
            assert flavorid != flavor_of[data["uuid"]] and flavorid in described
        flavor_of[data["uuid"]] = flavorid
    assert resized


def test_a_private_flavor_gains_and_loses_projects_by_updates():
    _, messages = _stream()
    projects = [
        len(_data(m)["projects"])
        for m in messages
        if m["event_type"] == "flavor.update" and not _data(m)["is_public"]
    ]
    assert len(set(projects)) > 1


# --- the truth --------------------------------------------------------------------------


def test_truth_has_the_compute_hosts_created_and_not_deleted():
    simulator, messages = _stream()
    hosts: set[str] = set()
    for message in messages:
        data = _data(message)
        if message["event_type"] == "service.create" and data["binary"] == "nova-compute":
            hosts.add(data["host"])
        elif message["event_type"] == "service.delete":
            hosts.discard(data["host"])
    assert sorted(simulator.truth()["compute_nodes"]) == sorted(hosts)


def test_truth_has_the_instances_left_after_deletions():
    simulator, messages = _stream()
    created = sum(m["event_type"] == "instance.create.end" for m in messages)
    deleted = sum(m["event_type"] == "instance.delete.end" for m in messages)
    assert len(simulator.truth()["instances"]) == created - deleted


def test_truth_says_offloaded_instances_have_no_host():
    instances = _truth()["instances"].values()
    offloaded = [i for i in instances if i["state"] == "shelved_offloaded"]
    assert offloaded and all(i["host"] is None for i in offloaded)
    assert all(i["host"] is not None for i in instances if i["state"] != "shelved_offloaded")


def test_truth_aggregates_are_what_the_newest_event_of_each_says():
    _, messages = _stream()
    *_, sent = _aggregates_as_sent(messages)
    expected = {
        uuid: {
            "id": data["id"],
            "name": data["name"],
            "metadata": _pairs(data["metadata"]),
            "availability_zone": data["metadata"].get("availability_zone"),
            "hosts": sorted(data["hosts"]),
            "contains": sorted(data["hosts"]),
        }
        for uuid, data in sent.items()
    }
    assert _truth()["aggregates"] == expected


def test_truth_zones_hold_each_host_once_and_hosts_of_no_zone_aggregate_in_the_default():
    truth = _truth()
    zoned = {
        host: aggregate["availability_zone"]
        for aggregate in truth["aggregates"].values()
        if aggregate["availability_zone"]
        for host in aggregate["hosts"]
    }
    expected: dict[str, dict[str, list[str]]] = {}
    for host in sorted(truth["compute_nodes"]):
        expected.setdefault(zoned.get(host, "nova"), {"hosts": []})["hosts"].append(host)
    assert truth["zones"] == expected
    assert "nova" in truth["zones"]


def test_truth_uses_the_default_zone_it_is_given():
    simulator = NovaSimulator(hosts=6, instances=10, seed=1, default_zone="az-default")
    list(simulator.notifications(0))
    zones = simulator.truth()["zones"]
    assert "az-default" in zones and "nova" not in zones


def test_truth_server_groups_are_the_newest_list_sent_and_their_live_members():
    simulator, messages = _stream()
    groups: dict[str, dict[str, Any]] = {}
    for message in messages:
        if message["event_type"].startswith("server_group."):
            if message["event_type"] == "server_group.delete":
                groups.pop(_data(message)["uuid"])
            else:
                groups[_data(message)["uuid"]] = _data(message)
    truth = simulator.truth()
    expected = {
        uuid: {
            "name": data["name"],
            "project_id": data["project_id"],
            "user_id": data["user_id"],
            "policy": data["policy"],
            "rules": _pairs(data["rules"]),
            "members": sorted(data["members"]),
            "has_member": sorted(m for m in data["members"] if m in truth["instances"]),
        }
        for uuid, data in groups.items()
    }
    assert truth["server_groups"] == expected


def test_a_deleted_instance_stays_in_its_groups_member_list_but_is_no_live_member():
    simulator, messages = _stream()
    deleted = {_data(m)["uuid"] for m in messages if m["event_type"] == "instance.delete.end"}
    departed = {
        member
        for group in simulator.truth()["server_groups"].values()
        for member in set(group["members"]) - set(group["has_member"])
    }
    assert departed and departed <= deleted


def test_truth_flavors_are_the_newest_event_of_each_and_stubs_for_deleted_ones_in_use():
    simulator, messages = _stream()
    flavors: dict[str, dict[str, Any]] = {}
    for message in messages:
        if message["event_type"] in ("flavor.create", "flavor.update"):
            flavors[_data(message)["flavorid"]] = _data(message)
        elif message["event_type"] == "flavor.delete":
            del flavors[_data(message)["flavorid"]]
    truth = simulator.truth()
    expected: dict[str, dict[str, Any]] = {
        i["flavorid"]: {"described": False} for i in truth["instances"].values()
    }
    fields = ("name", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "swap", "rxtx_factor")
    for flavorid, data in flavors.items():
        expected[flavorid] = {
            "described": True,
            **{name: data[name] for name in fields},
            "vcpu_weight": data["vcpu_weight"],
            "disabled": data["disabled"],
            "is_public": data["is_public"],
            "projects": sorted(data["projects"] or []),
            "extra_specs": _pairs(data["extra_specs"]),
            "description": data["description"],
        }
    assert truth["flavors"] == expected


def test_a_flavor_deleted_while_instances_use_it_stays_a_stub():
    simulator, messages = _stream()
    deleted = {_data(m)["flavorid"] for m in messages if m["event_type"] == "flavor.delete"}
    truth = simulator.truth()
    stubs = {key for key, flavor in truth["flavors"].items() if not flavor["described"]}
    in_use = {i["flavorid"] for i in truth["instances"].values()}
    assert stubs and stubs <= deleted & in_use


def test_truth_of_a_cloud_without_aggregates_or_flavor_events():
    # bench.nova_stream's cloud: every host in the default zone, every flavor a stub.
    hosts = [SimulatedHost("compute-1", "s1"), SimulatedHost("compute-2", "s2")]
    instance = SimulatedInstance("i1", "vm", "p", "u", FLAVORS[1], "img", "compute-2")
    truth = cloud_truth(hosts, [instance])
    assert truth["zones"] == {"nova": {"hosts": ["compute-1", "compute-2"]}}
    assert truth["flavors"] == {FLAVORS[1].flavorid: {"described": False}}
    assert truth["instances"]["i1"]["flavorid"] == FLAVORS[1].flavorid
    assert truth["aggregates"] == {} and truth["server_groups"] == {}


def test_a_cloud_needs_a_host():
    with pytest.raises(ValueError, match="at least one compute host"):
        NovaSimulator(hosts=0, instances=1)


def test_the_command_writes_the_truth_in_the_default_zone_the_synchronizer_is_told(tmp_path):
    # The simulated Nova's default zone is [graph] default_availability_zone: --truth is then
    # the graph the synchronizer configured so builds.
    dump, truth_file = tmp_path / "stream.jsonl", tmp_path / "truth.json"
    env = {**os.environ, "OS_GRAPH__DEFAULT_AVAILABILITY_ZONE": "az-default"}
    completed = subprocess.run(
        [sys.executable, "-m", "cdm_graph.cli", "simulate", "--hosts", "9", "--instances", "5",
         "--operations", "3", "--dump", str(dump), "--truth", str(truth_file)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    truth = json.loads(truth_file.read_text())
    assert "az-default" in truth["zones"] and "nova" not in truth["zones"]
    messages = [json.loads(line) for line in dump.read_text().splitlines()]
    assert {m["event_type"] for m in messages} >= {"aggregate.add_host.end", "flavor.create"}
