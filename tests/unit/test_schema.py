"""Each element's properties are declared once (``cdm_graph.schema``): the Cypher that writes
them, the decoders and the listing agree with the declaration."""

from __future__ import annotations

import re

import pytest

from cdm_graph import statements
from cdm_graph.families import decode
from cdm_graph.reconcile.listing import RESOURCE_CLASSES, server_properties
from cdm_graph.schema import STAMP_SUFFIXES, Role
from cdm_graph.schema.aggregate import AGGREGATE
from cdm_graph.schema.aggregate import WRITTEN_FIELDS as AGGREGATE_WRITTEN
from cdm_graph.schema.compute_node import (
    COMPUTE_NODE,
    HYPERVISOR_FIELDS,
    RESOURCES,
    SERVICE_FIELDS,
    capacity,
)
from cdm_graph.schema.flavor import DESCRIPTION_FIELDS as FLAVOR_DESCRIPTION
from cdm_graph.schema.flavor import FLAVOR, WRITTEN_FIELDS
from cdm_graph.schema.instance import DESCRIPTION_FIELDS, INSTANCE, STATE_FIELDS
from cdm_graph.schema.server_group import DESCRIPTION_FIELDS as SERVER_GROUP_DESCRIPTION
from cdm_graph.schema.server_group import SERVER_GROUP
from cdm_graph.schema.server_group import WRITTEN_FIELDS as SERVER_GROUP_WRITTEN
from tests.nova import notification


def _set(name: str, variable: str) -> set[str]:
    """The properties a statement sets on ``variable``."""
    text = statements.load(name)
    return set(re.findall(rf"\b{variable}\.(\w+)\s*=", text))


def test_upsert_instances_sets_every_property_of_the_instance_schema():
    assert set(INSTANCE.names) == set(STATE_FIELDS)
    assert _set("batch/instance/write", "i") == set(INSTANCE.stored_names)


def _clock(name: str) -> set[str]:
    """A clock as the graph stores it: its time for analysts, its stamp for the guards."""
    return {name, *(f"{name}{suffix}" for suffix in STAMP_SUFFIXES)}


def test_placing_an_instance_sets_its_placement_properties_and_only_them():
    placement = {name for name, prop in INSTANCE.stored_as().items()
                 if prop.role is Role.PLACEMENT}
    # The write statement's second FOREACH runs for every instance it places, described or
    # only moved.
    [moving] = [part for part in statements.load("batch/instance/write").split("FOREACH")
                if "row.properties IS NULL" in part]
    assert set(re.findall(r"\bi\.(\w+)\s*=", moving)) == placement


def test_upsert_compute_nodes_sets_what_service_events_describe():
    written = {"described", *SERVICE_FIELDS, *_clock("service_event_time")}
    assert _set("batch/compute_node/upsert", "c") == written


def test_a_reconcile_sets_the_hypervisor_properties_and_their_clock():
    assert _set("reconcile/upsert_capacity", "c") == {*HYPERVISOR_FIELDS, *_clock("capacity_time")}


def test_upsert_flavors_sets_what_flavor_events_describe():
    written = {"described", *WRITTEN_FIELDS, *_clock("event_time")}
    assert _set("batch/flavor/upsert", "f") == written == set(FLAVOR.stored_names)


def test_undescribing_a_flavor_forgets_every_property_but_its_key():
    assert _set("batch/flavor/undescribe", "f") == set(FLAVOR.stored_names)


def test_a_flavor_event_carries_exactly_the_descriptive_properties():
    event = decode(notification("flavor.create", 1))
    assert tuple(event.properties) == FLAVOR_DESCRIPTION


def test_upsert_server_groups_sets_every_property_of_the_server_group_schema():
    written = {*SERVER_GROUP_WRITTEN, *_clock("event_time")}
    assert _set("batch/server_group/write", "g") == written == set(SERVER_GROUP.stored_names)


def test_a_server_group_event_carries_exactly_the_descriptive_properties():
    event = decode(notification("server_group.create", 1))
    assert tuple(event.properties) == SERVER_GROUP_DESCRIPTION


def test_upsert_aggregates_sets_every_property_of_the_aggregate_schema():
    assert set(AGGREGATE_WRITTEN) == set(AGGREGATE.names)
    assert _set("batch/aggregate/write", "a") == set(AGGREGATE.stored_names)


def test_an_aggregate_event_carries_exactly_the_descriptive_properties():
    event = decode(notification("aggregate.add_host.end", 1))
    assert set(event.properties) == set(AGGREGATE.names_of(Role.DESCRIPTION))


def test_tombstones_and_hosts_edges_keep_the_stamp_of_what_made_them():
    for family in ("compute_node", "aggregate", "flavor", "server_group"):
        assert _set(f"batch/{family}/tombstone", "t") == _clock("deleted_at")
    # An instance's tombstone is written by the statement that removes it.
    assert _set("batch/instance/remove", "t") == _clock("deleted_at")
    text = statements.load("batch/instance/write")
    assert {f"r.since{suffix} = row.since{suffix}" for suffix in STAMP_SUFFIXES} <= {
        line.strip().removeprefix("SET ").rstrip(",") for line in text.splitlines()
    }


def test_undescribing_a_compute_node_forgets_every_property_but_its_key():
    assert _set("batch/compute_node/undescribe", "c") == set(COMPUTE_NODE.stored_names)


def test_an_instance_event_carries_exactly_the_descriptive_properties():
    event = decode(notification("instance.create.end", 1, host="h1"))
    assert tuple(event.properties) == DESCRIPTION_FIELDS


def test_a_listed_server_carries_the_descriptive_properties_the_api_shows():
    shown = {
        prop.name for prop in INSTANCE if prop.role is Role.DESCRIPTION and prop.api
    }
    assert set(server_properties({"flavor": {}})) == shown | {"disk_gb"}


def test_the_listing_reads_every_capacity_property_of_the_schema():
    read = {name for total, reserved, ratio, _ in RESOURCE_CLASSES.values()
            for name in (total, reserved, ratio)}
    assert read | {"uuid", "hypervisor_hostname"} == set(HYPERVISOR_FIELDS)
    assert {name for names in RESOURCES.values() for name in names} == read


@pytest.mark.parametrize(
    "prop",
    list(COMPUTE_NODE) + list(INSTANCE) + list(AGGREGATE) + list(FLAVOR) + list(SERVER_GROUP),
    ids=lambda p: p.name,
)
def test_every_property_says_where_it_comes_from(prop):
    assert prop.notification or prop.api or prop.derived or prop.role is not Role.DESCRIPTION


def test_capacity_is_total_less_reserved_times_the_allocation_ratio():
    assert capacity(total=32, reserved=4, ratio=2.0) == 56.0
