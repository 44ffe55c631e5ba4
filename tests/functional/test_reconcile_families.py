"""Reconcile of aggregates, zones, server groups and flavors, from the API emulator into the
real Neo4j: the listing fills each family; a listing of a kind that failed removes nothing of
it; a notification newer than the listing wins, a deletion newer than it too.

A listing begins at T (``at(10)``); notifications are placed before or after it on the same
clock (``tests.nova``). The uuids are those of Nova's samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import neo4j
import pytest

from bench.model_ops import reconcile_from_emulator
from cdm_graph.reconcile import apply_listing
from cdm_graph.reconcile.listing import (
    AGGREGATES,
    FLAVORS,
    SERVER_GROUPS,
    Listing,
    list_cloud,
)
from cdm_graph.simulate import NovaSimulator
from tests.graphs import CYPHER, native, read_truth_view, truth_differences
from tests.nova import at, notification
from tests.openstack_emulator import OpenStackEmulator

pytestmark = pytest.mark.functional

T = 10
INSTANCE = "178b0921-8f85-4257-88b6-2e743b5a975c"  # instance.create.end's
AGGREGATE = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"  # aggregate-*'s
FLAVOR = "a22d5517-147c-4147-a0d1-e698df5cd4e3"  # flavor-*'s and the instance's flavor
GROUP = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"  # server_group-*'s
OTHER = "5a0a3b5e-2b8c-4e0b-9d44-3f7c1a2b9e01"
GROUPS = [f"5a0a3b5e-0000-4000-8000-00000000000{number}" for number in range(5)]


def listed_at(connection: Any, seconds: float = T) -> Listing:
    return list_cloud(connection, page_size=1000, now=lambda: at(seconds))


def read_families(driver: neo4j.Driver) -> dict[str, dict[str, dict[str, Any]]]:
    """Label -> key -> properties, with ``linked``: the sorted keys of what it links to."""
    families: dict[str, dict[str, dict[str, Any]]] = {
        label: {}
        for label in ("Aggregate", "AvailabilityZone", "ServerGroup", "Flavor",
                      "AggregateTombstone", "ServerGroupTombstone", "FlavorTombstone")
    }
    records, _, _ = driver.execute_query(CYPHER.load("families"))
    for record in records:
        families[record["label"]][record["key"]] = {
            **native(dict(record["props"])), "linked": sorted(record["linked"])
        }
    return families


def test_a_reconcile_fills_every_family(cloud, connection, writer, graph, apply):
    for host in ("h1", "h2", "h3"):
        cloud.add_compute(host)
    rack = cloud.add_aggregate(
        "rack-1", hosts=["h1", "h2"], metadata={"ssd": "true"}, availability_zone="az1"
    )
    gpu = cloud.add_aggregate("gpu", hosts=["h2"])
    cloud.add_flavor(FLAVOR, "m1.small", vcpus=2, ram=4096, disk=40,
                     extra_specs={"hw:cpu_policy": "dedicated"}, description="small")
    cloud.add_flavor("2", "secret", is_public=False, projects=["p2", "p1"])
    cloud.add_server(INSTANCE, "h1")
    cloud.add_server(OTHER, "h2")
    cloud.add_server_group(
        GROUP, "spread", policy="anti-affinity", rules={"max_server_per_host": 1},
        members=[INSTANCE, OTHER],
    )
    # The API shows no flavor id of a server (2.47 on): the instance's comes from Nova's
    # notification, and the listing describes the flavor it names.
    apply(notification("instance.create.end", 1, host="h1"))

    summary = apply_listing(writer, listed_at(connection))
    after = read_families(graph)

    assert summary.complete
    assert (summary.created[AGGREGATES], summary.created[SERVER_GROUPS],
            summary.created[FLAVORS]) == (2, 1, 2)
    aggregate = after["Aggregate"][rack.uuid]
    assert (aggregate["name"], aggregate["id"], aggregate["availability_zone"]) == (
        "rack-1", 1, "az1"
    )
    assert aggregate["metadata"] == ["availability_zone=az1", "ssd=true"]
    assert aggregate["linked"] == aggregate["hosts"] == ["h1", "h2"]
    assert after["Aggregate"][gpu.uuid]["linked"] == ["h2"]
    assert {name: zone["linked"] for name, zone in after["AvailabilityZone"].items()} == {
        "az1": ["h1", "h2"], "nova": ["h3"]
    }
    group = after["ServerGroup"][GROUP]
    assert (group["name"], group["policy"], group["rules"]) == (
        "spread", "anti-affinity", ["max_server_per_host=1"]
    )
    assert group["linked"] == group["members"] == sorted([INSTANCE, OTHER])
    flavor = after["Flavor"][FLAVOR]
    assert (flavor["described"], flavor["name"], flavor["vcpus"], flavor["memory_mb"]) == (
        True, "m1.small", 2, 4096
    )
    assert (flavor["extra_specs"], flavor["is_public"], flavor["projects"]) == (
        ["hw:cpu_policy=dedicated"], True, []
    )
    assert flavor["linked"] == [INSTANCE]  # OF_FLAVOR
    assert (after["Flavor"]["2"]["is_public"], after["Flavor"]["2"]["projects"]) == (
        False, ["p1", "p2"]
    )
    assert flavor["last_event"] == group["last_event"] == aggregate["last_event"] == "reconcile"


def test_a_second_reconcile_changes_no_family(cloud, connection, writer, graph):
    cloud.add_compute("h1")
    cloud.add_aggregate("rack-1", hosts=["h1"], availability_zone="az1")
    cloud.add_flavor(FLAVOR, "m1.small")
    cloud.add_server(INSTANCE, "h1")
    cloud.add_server_group(GROUP, "spread", members=[INSTANCE])
    apply_listing(writer, listed_at(connection))
    first = read_families(graph)
    summary = apply_listing(writer, listed_at(connection))
    assert read_families(graph) == first
    assert sum(summary.removed.values()) == 0


def test_a_reconcile_fills_the_aggregates_and_zones(cloud, connection, writer, graph):
    for host in ("h1", "h2", "h3"):
        cloud.add_compute(host)
    rack = cloud.add_aggregate(
        "rack-1", hosts=["h1", "h2"], metadata={"ssd": "true"}, availability_zone="az1"
    )
    gpu = cloud.add_aggregate("gpu", hosts=["h2", "unknown"])
    summary = apply_listing(writer, listed_at(connection))
    after = read_families(graph)
    assert summary.complete and summary.created[AGGREGATES] == 2
    aggregate = after["Aggregate"][rack.uuid]
    assert (aggregate["name"], aggregate["id"], aggregate["availability_zone"]) == (
        "rack-1", 1, "az1"
    )
    assert aggregate["metadata"] == ["availability_zone=az1", "ssd=true"]
    assert aggregate["linked"] == aggregate["hosts"] == ["h1", "h2"]  # CONTAINS
    # A host no service describes is a stub, in the default zone like any host in no zone.
    assert after["Aggregate"][gpu.uuid]["linked"] == ["h2", "unknown"]
    assert {name: zone["linked"] for name, zone in after["AvailabilityZone"].items()} == {
        "az1": ["h1", "h2"], "nova": ["h3", "unknown"]
    }


def hold_aggregate(cloud: OpenStackEmulator) -> tuple[Any, str]:
    """An aggregate the graph holds (a notification at 1), and a listing of aggregates (one
    request, not paged) that fails."""
    cloud.add_aggregate("listed-1")
    cloud.fail("/os-aggregates")
    return notification("aggregate.create.end", 1), "Aggregate"


def test_a_reconcile_fills_the_flavors(cloud, connection, writer, graph, apply):
    cloud.add_compute("h1")
    cloud.add_flavor(FLAVOR, "m1.small", vcpus=2, ram=4096, disk=40,
                     extra_specs={"hw:cpu_policy": "dedicated"}, description="small")
    cloud.add_flavor("2", "secret", is_public=False, projects=["p2", "p1"])
    cloud.add_server(INSTANCE, "h1")
    # The API shows no flavor id of a server (2.47 on): the instance's comes from Nova's
    # notification, and the listing describes the flavor it names.
    apply(notification("instance.create.end", 1, host="h1"))

    summary = apply_listing(writer, listed_at(connection))
    after = read_families(graph)

    assert summary.complete and summary.created[FLAVORS] == 2
    flavor = after["Flavor"][FLAVOR]
    assert (flavor["described"], flavor["name"], flavor["vcpus"], flavor["memory_mb"]) == (
        True, "m1.small", 2, 4096
    )
    assert (flavor["extra_specs"], flavor["is_public"], flavor["projects"]) == (
        ["hw:cpu_policy=dedicated"], True, []
    )
    assert (flavor["description"], flavor["last_event"]) == ("small", "reconcile")
    assert flavor["linked"] == [INSTANCE]  # OF_FLAVOR
    assert (after["Flavor"]["2"]["is_public"], after["Flavor"]["2"]["projects"]) == (
        False, ["p1", "p2"]
    )


def test_a_reconcile_fills_the_server_groups(cloud, connection, writer, graph):
    cloud.add_compute("h1")
    cloud.add_server(INSTANCE, "h1")
    cloud.add_server(OTHER, "h1")
    cloud.add_server_group(
        GROUP, "spread", policy="anti-affinity", rules={"max_server_per_host": 1},
        members=[OTHER, INSTANCE], project_id="another-project",
    )
    summary = apply_listing(writer, listed_at(connection))
    group = read_families(graph)["ServerGroup"][GROUP]
    assert summary.complete and summary.created[SERVER_GROUPS] == 1
    assert (group["name"], group["policy"], group["rules"], group["project_id"]) == (
        "spread", "anti-affinity", ["max_server_per_host=1"], "another-project"
    )
    assert group["linked"] == group["members"] == sorted([INSTANCE, OTHER])  # HAS_MEMBER
    assert group["last_event"] == "reconcile"


def hold_server_group(cloud: OpenStackEmulator) -> tuple[Any, str]:
    """A server group the graph holds (a notification at 1), and a listing of server groups
    that fails on its second page."""
    cloud.max_limit = 2
    for number, uuid in enumerate(GROUPS):
        cloud.add_server_group(uuid, f"group-{number}")
    cloud.fail("/os-server-groups", on_request=2)
    return notification("server_group.create", 1), "ServerGroup"


def hold_flavor(cloud: OpenStackEmulator) -> tuple[Any, str]:
    """A flavor the graph holds (a notification at 1), and a listing of flavors that fails on
    its second page."""
    cloud.max_limit = 2
    for number in range(5):
        cloud.add_flavor(str(number), f"f{number}")
    cloud.fail("/flavors/detail", on_request=2)
    return notification("flavor.create", 1), "Flavor"


HELD: dict[str, tuple[Callable[[OpenStackEmulator], tuple[Any, str]], str]] = {
    AGGREGATES: (hold_aggregate, AGGREGATE),
    SERVER_GROUPS: (hold_server_group, GROUP),
    FLAVORS: (hold_flavor, FLAVOR),
}


@pytest.mark.parametrize("kind", list(HELD))
def test_an_incomplete_listing_removes_nothing_of_its_kind(
    kind, cloud, connection, writer, graph, apply
):
    hold, key = HELD[kind]
    held, label = hold(cloud)
    apply(held)
    summary = apply_listing(writer, listed_at(connection))
    after = read_families(graph)
    assert set(summary.errors) == {kind}
    assert summary.removed[kind] == 0
    assert key in after[label]
    assert after[f"{label}Tombstone"] == {}


@pytest.mark.parametrize(
    ("event_type", "label", "key"),
    [("aggregate.create.end", "Aggregate", AGGREGATE),
     ("server_group.create", "ServerGroup", GROUP),
     ("flavor.create", "Flavor", FLAVOR)],
)
def test_a_complete_listing_removes_what_it_no_longer_shows(
    event_type, label, key, cloud, connection, writer, graph, apply
):
    apply(notification(event_type, 1))
    apply_listing(writer, listed_at(connection))
    after = read_families(graph)
    assert key not in after[label]
    assert after[f"{label}Tombstone"][key]["deleted_at"] == at(T)


def test_a_notification_newer_than_the_listing_wins_for_an_aggregate(
    cloud, connection, writer, graph, apply
):
    cloud.add_compute("h1")
    cloud.add_aggregate("my-aggregate", uuid=AGGREGATE, hosts=["h1"],
                        availability_zone="listed-zone")
    listing = listed_at(connection)
    apply(notification("aggregate.update_metadata.end", T + 1))  # its zone becomes AZ-1
    apply_listing(writer, listing)
    after = read_families(graph)
    aggregate = after["Aggregate"][AGGREGATE]
    assert (aggregate["availability_zone"], aggregate["last_event"]) == (
        "AZ-1", "aggregate.update_metadata.end"
    )
    assert "listed-zone" not in after["AvailabilityZone"]


def test_a_notification_newer_than_the_listing_wins_for_a_server_group(
    cloud, connection, writer, graph, apply
):
    cloud.add_compute("h1")
    cloud.add_server(INSTANCE, "h1")
    cloud.add_server_group(GROUP, "listed-name", policy="affinity", members=[INSTANCE])
    listing = listed_at(connection)
    apply(notification("server_group.create", T + 1))  # anti-affinity, no members
    apply_listing(writer, listing)
    group = read_families(graph)["ServerGroup"][GROUP]
    assert (group["name"], group["policy"], group["members"], group["linked"]) == (
        "test-server-group", "anti-affinity", [], []
    )


def test_a_notification_newer_than_the_listing_wins_for_a_flavor(
    cloud, connection, writer, graph, apply
):
    cloud.add_flavor(FLAVOR, "listed-name", ram=4096)
    listing = listed_at(connection)
    apply(notification("flavor.update", T + 1))  # 1024 MB, private to one project
    apply_listing(writer, listing)
    flavor = read_families(graph)["Flavor"][FLAVOR]
    assert (flavor["name"], flavor["memory_mb"], flavor["last_event"]) == (
        "test_flavor", 1024, "flavor.update"
    )
    assert flavor["projects"] == ["6f70656e737461636b20342065766572"]


@pytest.mark.parametrize(
    ("add", "deletion", "label", "key"),
    [
        (lambda cloud: cloud.add_aggregate("listed", uuid=AGGREGATE),
         "aggregate.delete.end", "Aggregate", AGGREGATE),
        (lambda cloud: cloud.add_server_group(GROUP, "listed"),
         "server_group.delete", "ServerGroup", GROUP),
        (lambda cloud: cloud.add_flavor(FLAVOR, "listed"),
         "flavor.delete", "Flavor", FLAVOR),
    ],
)
def test_a_deletion_newer_than_the_listing_holds(
    add, deletion, label, key, cloud, connection, writer, graph, apply
):
    add(cloud)
    listing = listed_at(connection)
    apply(notification(deletion, T + 1))
    apply_listing(writer, listing)
    after = read_families(graph)
    assert key not in after[label] or after[label][key].get("described") is False
    assert after[f"{label}Tombstone"][key]["deleted_at"] == at(T + 1)


@pytest.mark.parametrize(
    ("event_type", "kind", "label", "key"),
    [("aggregate.create.end", AGGREGATES, "Aggregate", AGGREGATE),
     ("server_group.create", SERVER_GROUPS, "ServerGroup", GROUP),
     ("flavor.create", FLAVORS, "Flavor", FLAVOR)],
)
def test_an_element_created_after_the_listing_began_survives_it(
    event_type, kind, label, key, cloud, connection, writer, graph, apply
):
    listing = listed_at(connection)
    apply(notification(event_type, T + 1))
    summary = apply_listing(writer, listing)
    assert key in read_families(graph)[label]
    assert summary.removed[kind] == 0


def test_what_was_read_before_a_failure_is_still_written(cloud, connection, writer, graph):
    hold_server_group(cloud)
    hold_flavor(cloud)
    apply_listing(writer, listed_at(connection))
    after = read_families(graph)
    assert sorted(after["ServerGroup"]) == GROUPS[:2]
    assert sorted(after["Flavor"]) == ["0", "1"]


def test_a_failure_of_one_kind_removes_the_others_still(cloud, connection, writer, graph, apply):
    apply(notification("aggregate.create.end", 1))
    apply(notification("server_group.create", 1))
    apply(notification("flavor.create", 1))
    cloud.fail("/os-server-groups")
    summary = apply_listing(writer, listed_at(connection))
    after = read_families(graph)
    assert set(summary.errors) == {SERVER_GROUPS}
    assert (summary.removed[AGGREGATES], summary.removed[SERVER_GROUPS],
            summary.removed[FLAVORS]) == (1, 0, 1)
    assert GROUP in after["ServerGroup"]
    assert AGGREGATE not in after["Aggregate"] and FLAVOR not in after["Flavor"]


def test_a_member_whose_instance_the_listing_missed_is_linked_when_it_appears(
    cloud, connection, writer, graph, apply
):
    cloud.add_compute("h1")
    cloud.add_server(INSTANCE, "h1")
    cloud.add_server_group(GROUP, "spread", members=[INSTANCE])
    cloud.fail("/servers/detail")  # the groups are listed, the instances are not
    apply_listing(writer, listed_at(connection))
    group = read_families(graph)["ServerGroup"][GROUP]
    assert (group["members"], group["linked"]) == ([INSTANCE], [])
    apply(notification("instance.create.end", T + 1, host="h1"))
    assert read_families(graph)["ServerGroup"][GROUP]["linked"] == [INSTANCE]


def test_a_group_its_family_refuses_is_neither_written_nor_removed(
    cloud, connection, writer, graph, apply
):
    apply(notification("server_group.create", 1))
    cloud.add_server_group(GROUP, "listed", policy="no-such-policy")
    summary = apply_listing(writer, listed_at(connection))
    group = read_families(graph)["ServerGroup"][GROUP]
    assert (summary.refused[SERVER_GROUPS], summary.removed[SERVER_GROUPS]) == (1, 0)
    assert (group["name"], group["last_event"]) == ("test-server-group", "server_group.create")
    assert "server groups: 1 refused" in summary.text()


def test_an_aggregate_the_family_refuses_is_neither_written_nor_removed(
    cloud, connection, writer, graph, apply
):
    apply(notification("aggregate.create.end", 1))
    cloud.add_aggregate("x" * 300, uuid=AGGREGATE)  # longer than Nova's column
    summary = apply_listing(writer, listed_at(connection))
    after = read_families(graph)
    assert summary.refused[AGGREGATES] == 1
    assert after["Aggregate"][AGGREGATE]["name"] == "my-aggregate"
    assert "1 refused" in summary.text()


def test_the_simulated_cloud_reconciled_from_the_emulator_is_its_truth(writer, graph):
    # The simulator's cloud served by the emulator, as the benchmark serves it: its
    # aggregates, zones, described flavors and server groups' live members are Nova's truth.
    simulator = NovaSimulator(hosts=8, instances=40, seed=3)
    for unit in simulator.build():
        for _ in unit:
            pass
    for _ in simulator.notifications(300):
        pass
    result = reconcile_from_emulator(simulator, writer)
    truth, view = simulator.truth(), read_truth_view(graph)
    assert "aggregates: 0 created" not in result.summary
    for kind in ("aggregates", "zones"):
        assert truth_differences({kind: truth[kind]}, {kind: view[kind]}) == []
    # The API does not show a flavor's vcpu_weight (a listing leaves it to notifications).
    described = {
        key: {**flavor, "vcpu_weight": None}
        for key, flavor in truth["flavors"].items() if flavor["described"]
    }
    assert truth_differences({"flavors": described}, {"flavors": view["flavors"]}, 50) == []
    # The API shows a group's live members: what the graph links to.
    assert {key: group["has_member"] for key, group in view["server_groups"].items()} == {
        key: group["has_member"] for key, group in truth["server_groups"].items()
    }
