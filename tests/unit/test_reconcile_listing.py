"""Listing the aggregates, server groups and flavors of the emulated cloud (no Neo4j): the
shapes read, the paging, and which kinds a failure leaves incomplete."""

from __future__ import annotations

from typing import Any

from cdm_graph.reconcile.listing import (
    AGGREGATES,
    COMPUTE_NODES,
    FLAVORS,
    INSTANCES,
    SERVER_GROUPS,
    list_cloud,
)

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"
GROUPS = [f"5a0a3b5e-0000-4000-8000-00000000000{number}" for number in range(5)]
OTHER_PROJECT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def group_ids(listing: Any) -> list[str]:
    return [group["id"] for group in listing.server_groups]


def test_aggregates_are_listed_as_the_api_shows_them(cloud, connection):
    aggregate = cloud.add_aggregate(
        "rack-1", hosts=["h1", "h2"], metadata={"ssd": "true"}, availability_zone="az1"
    )
    [listed] = list_cloud(connection).aggregates
    assert (listed["uuid"], listed["id"], listed["name"]) == (aggregate.uuid, 1, "rack-1")
    assert listed["hosts"] == ["h1", "h2"]
    assert listed["metadata"] == {"ssd": "true", "availability_zone": "az1"}
    assert listed["availability_zone"] == "az1"


def test_server_groups_of_every_project_are_listed_with_policy_and_rules(cloud, connection):
    cloud.add_server(UUID, "h1")
    cloud.add_server_group(
        GROUPS[0], "spread", policy="anti-affinity", rules={"max_server_per_host": 2},
        members=[UUID], project_id=OTHER_PROJECT,
    )
    [group] = list_cloud(connection).server_groups
    assert (group["id"], group["name"], group["policy"], group["rules"]) == (
        GROUPS[0], "spread", "anti-affinity", {"max_server_per_host": 2}
    )
    assert (group["project_id"], group["members"]) == (OTHER_PROJECT, [UUID])


def test_a_deleted_member_is_not_shown(cloud, connection):
    cloud.add_server_group(GROUPS[0], "spread", members=[UUID])
    [group] = list_cloud(connection).server_groups
    assert group["members"] == []


def test_server_groups_are_paged_by_offset_each_page_from_the_last_item_read(
    cloud, connection
):
    cloud.max_limit = 2
    for number, uuid in enumerate(GROUPS):
        cloud.add_server_group(uuid, f"group-{number}")
    listing = list_cloud(connection)
    assert group_ids(listing) == GROUPS
    assert listing.complete_for(SERVER_GROUPS)
    offsets = [r.query["offset"] for r in cloud.requests_to("/os-server-groups")]
    assert offsets == [["0"], ["1"], ["2"], ["3"], ["4"]]
    assert {r.query["all_projects"][0] for r in cloud.requests_to("/os-server-groups")} == {
        "True"
    }


def test_a_group_deleted_while_paging_makes_the_server_groups_incomplete(cloud, connection):
    cloud.max_limit = 2
    for number, uuid in enumerate(GROUPS):
        cloud.add_server_group(uuid, f"group-{number}")
    # Between the first and the second page, a group of the first page goes: every later
    # offset moves one place, and the third group would be skipped.
    cloud.change_before("/os-server-groups", 2, lambda: cloud.remove_server_group(GROUPS[0]))
    listing = list_cloud(connection)
    assert not listing.complete_for(SERVER_GROUPS)
    assert "changed while they were paged" in listing.errors[SERVER_GROUPS]
    assert listing.complete_for(COMPUTE_NODES) and listing.complete_for(FLAVORS)


def test_a_group_created_while_paging_is_listed(cloud, connection):
    cloud.max_limit = 2
    for number, uuid in enumerate(GROUPS[:3]):
        cloud.add_server_group(uuid, f"group-{number}")
    cloud.change_before(
        "/os-server-groups", 2, lambda: cloud.add_server_group(GROUPS[3], "late")
    )
    listing = list_cloud(connection)
    assert listing.complete_for(SERVER_GROUPS)
    assert group_ids(listing) == GROUPS[:4]


def test_an_api_capping_pages_below_the_asked_limit_is_paged_whole(cloud, connection):
    cloud.max_limit = 3  # Nova's [api] max_limit below the listing's page size
    for number, uuid in enumerate(GROUPS):
        cloud.add_server_group(uuid, f"group-{number}")
    listing = list_cloud(connection, page_size=1000)
    assert group_ids(listing) == GROUPS


def test_one_group_a_page_cannot_be_checked_and_is_incomplete(cloud, connection):
    cloud.max_limit = 1
    for number, uuid in enumerate(GROUPS[:2]):
        cloud.add_server_group(uuid, f"group-{number}")
    listing = list_cloud(connection)
    assert not listing.complete_for(SERVER_GROUPS)
    assert "one item a page" in listing.errors[SERVER_GROUPS]


def test_a_single_group_is_listed_whole(cloud, connection):
    cloud.add_server_group(GROUPS[0], "alone")
    listing = list_cloud(connection)
    assert listing.complete_for(SERVER_GROUPS)
    assert group_ids(listing) == [GROUPS[0]]


def test_a_failure_while_paging_server_groups_leaves_only_them_incomplete(cloud, connection):
    cloud.max_limit = 2
    cloud.add_aggregate("rack-1")
    cloud.add_flavor("1", "m1.tiny")
    for number, uuid in enumerate(GROUPS):
        cloud.add_server_group(uuid, f"group-{number}")
    cloud.fail("/os-server-groups", on_request=2)
    listing = list_cloud(connection)
    assert set(listing.errors) == {SERVER_GROUPS}
    assert "500" in listing.errors[SERVER_GROUPS]
    assert group_ids(listing) == GROUPS[:2]  # what was read before the failure
    assert len(listing.aggregates) == len(listing.flavors) == 1


def test_public_and_private_flavors_are_listed_with_their_access(cloud, connection):
    cloud.add_flavor("1", "m1.tiny", extra_specs={"hw:cpu_policy": "shared"})
    cloud.add_flavor("2", "secret", is_public=False, projects=[OTHER_PROJECT, "p2"])
    public, private = list_cloud(connection).flavors
    assert (public.flavorid, public.extra_specs, public.access) == (
        "1", {"hw:cpu_policy": "shared"}, None
    )
    assert private.flavor["os-flavor-access:is_public"] is False
    assert private.access == [
        {"flavor_id": "2", "tenant_id": OTHER_PROJECT},
        {"flavor_id": "2", "tenant_id": "p2"},
    ]
    # Nova has no access list for a public flavor, and shows the extra specs from 2.61.
    assert [r.path for r in cloud.requests_to("/os-flavor-access")] == [
        "/compute/v2.1/flavors/2/os-flavor-access"
    ]
    assert cloud.requests_to("/os-extra_specs") == []
    [detail] = cloud.requests_to("/flavors/detail")
    assert (detail.query["is_public"], detail.microversion) == (["None"], "2.61")


def test_extra_specs_the_listing_does_not_show_are_asked_for(cloud, connection):
    cloud.extra_specs_in_detail = False
    cloud.add_flavor("1", "m1.tiny", extra_specs={"hw:mem_page_size": "large"})
    [flavor] = list_cloud(connection).flavors
    assert flavor.extra_specs == {"hw:mem_page_size": "large"}
    assert len(cloud.requests_to("/flavors/1/os-extra_specs")) == 1


def test_flavors_are_paged_by_marker(cloud, connection):
    cloud.max_limit = 2
    for number in range(5):
        cloud.add_flavor(str(number), f"f{number}")
    listing = list_cloud(connection)
    assert [flavor.flavorid for flavor in listing.flavors] == ["0", "1", "2", "3", "4"]
    markers = [r.query.get("marker") for r in cloud.requests_to("/flavors/detail")]
    assert markers == [None, ["1"], ["3"]]


def test_a_failure_while_paging_flavors_leaves_only_them_incomplete(cloud, connection):
    cloud.max_limit = 2
    for number in range(5):
        cloud.add_flavor(str(number), f"f{number}")
    cloud.fail("/flavors/detail", on_request=2)
    listing = list_cloud(connection)
    assert set(listing.errors) == {FLAVORS}
    assert [flavor.flavorid for flavor in listing.flavors] == ["0", "1"]


def test_a_failing_access_list_leaves_the_flavors_incomplete(cloud, connection):
    cloud.add_flavor("1", "secret", is_public=False)
    cloud.fail("/os-flavor-access")
    listing = list_cloud(connection)
    assert set(listing.errors) == {FLAVORS}


def test_a_flavor_deleted_before_its_access_was_read_is_neither_listed_nor_missing(
    cloud, connection
):
    cloud.add_flavor("1", "secret", is_public=False)
    cloud.add_flavor("2", "m1.small")
    cloud.change_before("/os-flavor-access", 1, lambda: cloud.flavors.pop("1"))
    listing = list_cloud(connection)
    assert listing.complete_for(FLAVORS)
    assert [flavor.flavorid for flavor in listing.flavors] == ["2"]
    assert listing.vanished_flavors == {"1"}


def test_an_aggregate_without_uuid_leaves_only_the_aggregates_incomplete(cloud, connection):
    cloud.answer("/os-aggregates", {"aggregates": [{"id": 1, "name": "old"}]})
    cloud.add_server_group(GROUPS[0], "spread")
    listing = list_cloud(connection)
    assert set(listing.errors) == {AGGREGATES}
    assert "malformed response" in listing.errors[AGGREGATES]
    assert "uuid" in listing.errors[AGGREGATES]
    assert group_ids(listing) == [GROUPS[0]]


def test_an_aggregate_without_uuid_is_left_out_and_the_others_are_still_listed(
    cloud, connection
):
    good = {"id": 2, "uuid": UUID, "name": "new", "hosts": ["compute-1"]}
    cloud.answer("/os-aggregates", {"aggregates": [{"id": 1, "name": "old"}, good]})
    listing = list_cloud(connection)
    assert [aggregate["uuid"] for aggregate in listing.aggregates] == [UUID]
    assert not listing.complete_for(AGGREGATES)


def test_a_server_group_without_id_is_left_out_and_the_others_are_still_listed(
    cloud, connection
):
    good = {"id": GROUPS[1], "name": "spread", "policy": "anti-affinity", "members": []}
    body = {"server_groups": [{"name": "broken", "policy": "affinity"}, good]}
    cloud.answer("/os-server-groups", body)
    listing = list_cloud(connection)
    assert group_ids(listing) == [GROUPS[1]]
    assert not listing.complete_for(SERVER_GROUPS)
    assert "id" in listing.errors[SERVER_GROUPS]


def test_the_new_kinds_are_read_at_openstacksdks_microversions(cloud, connection):
    cloud.add_server_group(GROUPS[0], "spread")
    list_cloud(connection)
    versions = {
        path: {r.microversion for r in cloud.requests_to(path)}
        for path in ("/os-aggregates", "/os-server-groups", "/flavors/detail")
    }
    assert versions == {
        "/os-aggregates": {"2.81"},
        "/os-server-groups": {"2.64"},
        "/flavors/detail": {"2.61"},
    }


def test_a_failure_of_the_servers_leaves_the_new_kinds_complete(cloud, connection):
    cloud.fail("/servers/detail")
    listing = list_cloud(connection)
    assert set(listing.errors) == {COMPUTE_NODES, INSTANCES}
    assert listing.error is not None
    assert listing.error.startswith("compute nodes and instances: ")


def test_the_listing_tells_it_grew_once_the_compute_nodes_are_listed_then_each_page_of_servers(
    cloud, connection
):
    cloud.max_limit = 2
    cloud.add_compute("h1")
    for number in range(5):
        cloud.add_server(f"00000000-0000-0000-0000-00000000000{number}", "h1")
    told: list[tuple[int, int]] = []
    list_cloud(
        connection,
        page_size=2,
        grown=lambda listing: told.append((len(listing.compute_nodes), len(listing.servers))),
    )
    # The compute nodes, two full pages, and the end of the servers (the short last page).
    assert told == [(1, 0), (1, 2), (1, 4), (1, 5)]
