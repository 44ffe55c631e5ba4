"""GraphClient and its snapshot beyond Watcher's model: host aggregates, availability zones,
server groups and flavors, over the real Neo4j, on the known cloud with its groupings
(tests/cloud.py)."""

from __future__ import annotations

import copy

import pytest

from cdm_graph.read.client import GraphClient
from cdm_graph.read.models import (
    AggregateNotFound,
    AvailabilityZoneNotFound,
    FlavorNotFound,
    ServerGroupNotFound,
)
from cdm_graph.read.protocol import ModelReader
from tests import cloud

pytestmark = pytest.mark.functional


@pytest.fixture
def live(apply, graph) -> GraphClient:
    cloud.build_with_groupings(apply, graph)
    return GraphClient(graph)


@pytest.fixture(params=["live client", "snapshot"])
def model(request, live) -> ModelReader:
    """Each test runs on the live graph and on a snapshot of it: both answer alike."""
    return live if request.param == "live client" else live.snapshot()


def hostnames(nodes) -> list[str]:
    return [node.hostname for node in nodes]


def names(elements) -> list[str]:
    return [element.name for element in elements]


def instance(model: ModelReader, name: str):
    return model.get_instance_by_uuid(cloud.instance_uuid(name))


def test_all_aggregates_are_keyed_by_uuid_with_their_hosts(model):
    aggregates = model.get_all_aggregates()
    assert set(aggregates) == {cloud.AGGREGATE_AZ1, cloud.AGGREGATE_SSD}
    ssd = aggregates[cloud.AGGREGATE_SSD]
    assert (ssd.name, ssd.id, ssd.availability_zone) == ("agg-ssd", 2, None)
    assert ssd.hosts == ("compute-2", "compute-3", "compute-7")
    assert dict(ssd.metadata) == {"ssd": "true"}


def test_an_aggregate_is_found_by_uuid_or_by_name(model):
    assert model.get_aggregate("agg-az1").uuid == cloud.AGGREGATE_AZ1
    assert model.get_aggregate(cloud.AGGREGATE_AZ1).availability_zone == "az-1"


def test_an_unknown_aggregate_raises_aggregate_not_found(model):
    with pytest.raises(AggregateNotFound):
        model.get_aggregate("agg-none")


def test_aggregate_nodes_are_compute_nodes_by_hostname(model):
    nodes = model.get_aggregate_nodes("agg-ssd")
    assert hostnames(nodes) == ["compute-2", "compute-3", "compute-7"]
    assert nodes[0].vcpus == 8
    assert not nodes[2].described


def test_node_aggregates(model):
    node = model.get_node_by_name("compute-2")
    assert names(model.get_node_aggregates(node)) == ["agg-az1", "agg-ssd"]
    assert model.get_node_aggregates(model.get_node_by_name("compute-5")) == []


def test_every_compute_node_is_in_a_zone_the_default_one_without_a_zone_aggregate(model):
    zones = model.get_all_availability_zones()
    assert {name: zone.hosts for name, zone in zones.items()} == {
        "az-1": ("compute-1", "compute-2"),
        "nova": ("compute-3", "compute-4", "compute-5", "compute-7", "compute-9"),
    }


def test_availability_zone_nodes(model):
    assert hostnames(model.get_availability_zone_nodes("az-1")) == ["compute-1", "compute-2"]


def test_an_unknown_zone_raises_availability_zone_not_found(model):
    with pytest.raises(AvailabilityZoneNotFound):
        model.get_availability_zone_nodes("az-9")


def test_node_availability_zones(model):
    node = model.get_node_by_name("compute-2")
    assert names(model.get_node_availability_zones(node)) == ["az-1"]


def test_all_server_groups_with_their_policy_and_members_the_graph_holds(model):
    groups = model.get_all_server_groups()
    web = groups[cloud.GROUP_WEB]
    assert (web.name, web.policy, web.project_id) == ("web", "anti-affinity", cloud.PROJECT_1)
    # vm-z is a member Nova named that the graph does not hold.
    assert web.members == tuple(sorted([cloud.instance_uuid("vm-a"),
                                        cloud.instance_uuid("vm-b")]))
    assert groups[cloud.GROUP_BATCH].policy == "soft-anti-affinity"


def test_server_group_members_are_instances(model):
    members = model.get_server_group_members(cloud.GROUP_DB)
    assert sorted(member.name for member in members) == ["vm-c", "vm-e"]
    assert {member.host for member in members} == {"compute-2", "compute-3"}


def test_an_unknown_server_group_raises_server_group_not_found(model):
    with pytest.raises(ServerGroupNotFound):
        model.get_server_group(cloud.instance_uuid("vm-q"))


def test_instance_server_groups(model):
    assert names(model.get_instance_server_groups(instance(model, "vm-c"))) == ["batch", "db"]
    assert model.get_instance_server_groups(instance(model, "vm-f")) == []


def test_all_flavors_described_or_known_only_by_id(model):
    flavors = model.get_all_flavors()
    assert set(flavors) == {"1", "2", "3"}
    small = flavors["2"]
    assert (small.name, small.vcpus, small.memory_mb, small.is_public) == (
        "m1.small", 2, 2048, False)
    assert small.projects == (cloud.PROJECT_1,)
    assert dict(small.extra_specs) == {"hw:cpu_policy": "dedicated"}
    assert small.described
    assert not flavors["3"].described


def test_instance_flavor(model):
    assert model.get_instance_flavor(instance(model, "vm-b")).name == "m1.tiny"
    # The instance keeps the sizes it was built with, whatever the flavor says now.
    assert instance(model, "vm-d").vcpus == 2


def test_an_unknown_flavor_raises_flavor_not_found(model):
    with pytest.raises(FlavorNotFound):
        model.get_flavor("42")


def test_flavor_instances(model):
    assert sorted(i.name for i in model.get_flavor_instances("1")) == ["vm-b", "vm-f", "vm-g"]
    assert [i.name for i in model.get_flavor_instances(model.get_flavor("2"))
            if i.host is None] == ["vm-h"]


def test_a_snapshot_copy_keeps_its_groupings(live):
    snapshot = copy.deepcopy(live.snapshot())
    assert set(snapshot.get_all_availability_zones()) == {"az-1", "nova"}
