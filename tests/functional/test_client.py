"""GraphClient: Watcher's ModelRoot read API over the real Neo4j, on the known cloud."""

from __future__ import annotations

import gc

import pytest
from neo4j.exceptions import ClientError

from cdm_graph.gateway import Gateway
from cdm_graph.read.client import GraphClient
from cdm_graph.read.models import (
    ComputeNodeNotFound,
    InstanceNotFound,
    InstanceNotMapped,
)
from tests import cloud
from tests.nova import notification

pytestmark = pytest.mark.functional

HOSTNAMES = ["compute-1", "compute-2", "compute-3", "compute-4", "compute-5", "compute-9"]


@pytest.fixture
def client(apply, graph) -> GraphClient:
    cloud.build(apply, graph)
    return GraphClient(graph)


def test_all_compute_nodes_are_keyed_by_uuid(client):
    nodes = client.get_all_compute_nodes()
    assert sorted(node.hostname for node in nodes.values()) == HOSTNAMES
    assert nodes[cloud.node_uuid("compute-1")].hostname == "compute-1"


def test_a_node_without_a_uuid_from_the_api_is_keyed_by_its_hostname(client):
    nodes = client.get_all_compute_nodes()
    assert nodes["compute-4"].hostname == "compute-4"
    assert nodes["compute-9"].hostname == "compute-9"


def test_compute_node_has_watchers_attributes(client):
    node = client.get_node_by_name("compute-1")
    assert (node.uuid, node.hostname, node.status, node.state) == (
        cloud.node_uuid("compute-1"), "compute-1", "enabled", "up",
    )
    assert (node.vcpus, node.vcpu_reserved, node.vcpu_ratio) == (16, 0, 2.0)
    assert (node.memory, node.memory_mb_reserved, node.memory_ratio) == (32768, 512, 1.0)
    assert (node.disk, node.disk_gb_reserved, node.disk_ratio) == (500, 0, 1.0)
    assert node.hypervisor_hostname == "compute-1.node"


def test_capacity_is_total_less_reserved_times_ratio(client):
    node = client.get_node_by_name("compute-1")
    assert node.vcpu_capacity == 32.0
    assert node.memory_mb_capacity == 32256.0
    assert node.disk_gb_capacity == 500.0


def test_node_never_reconciled_has_unknown_capacity(client):
    node = client.get_node_by_name("compute-4")
    assert (node.vcpus, node.vcpu_reserved, node.vcpu_ratio) == (None, None, None)
    assert (node.vcpu_capacity, node.memory_mb_capacity, node.disk_gb_capacity) == (
        None, None, None,
    )
    assert not node.capacity_known


@pytest.mark.parametrize("hostname", ["compute-4", "compute-9"])
def test_free_resources_of_a_node_of_unknown_capacity_are_unknown_not_negative(
    client, hostname
):
    node = client.get_node_by_name(hostname)
    assert client.get_node_used_resources(node)["vcpu"] == 1
    assert client.get_node_free_resources(node) == {"vcpu": None, "memory": None, "disk": None}
    assert client.snapshot().get_node_free_resources(node) == {
        "vcpu": None, "memory": None, "disk": None,
    }


def test_node_known_only_from_instance_events_has_no_status_or_state(client):
    node = client.get_node_by_name("compute-9")
    assert (node.described, node.status, node.state) == (False, None, None)


def test_disabled_node_carries_its_reason(client):
    node = client.get_node_by_name("compute-3")
    assert (node.status, node.disabled_reason) == ("disabled", "maintenance")


def test_get_node_by_uuid(client):
    assert client.get_node_by_uuid(cloud.node_uuid("compute-2")).hostname == "compute-2"


def test_get_node_by_uuid_finds_a_node_without_uuid_by_its_hostname(client):
    assert client.get_node_by_uuid("compute-4").hostname == "compute-4"


def test_get_node_by_uuid_does_not_take_the_hostname_of_a_node_with_a_uuid(client):
    with pytest.raises(ComputeNodeNotFound):
        client.get_node_by_uuid("compute-1")


def test_unknown_node_name_raises_compute_node_not_found(client):
    with pytest.raises(ComputeNodeNotFound, match="compute-77"):
        client.get_node_by_name("compute-77")


def test_unknown_node_uuid_raises_compute_node_not_found(client):
    with pytest.raises(ComputeNodeNotFound):
        client.get_node_by_uuid("cccccccc-0000-4000-8000-999999999999")


def test_instance_has_watchers_attributes(client):
    vm_a = cloud.BY_NAME["vm-a"]
    instance = client.get_instance_by_uuid(vm_a.uuid)
    assert (instance.uuid, instance.name, instance.state) == (vm_a.uuid, "vm-a", "active")
    assert (instance.vcpus, instance.memory, instance.disk) == (4, 8192, 80)
    assert instance.project_id == cloud.PROJECT_1
    assert instance.locked is False
    assert dict(instance.metadata) == {"tier": "gold"}
    assert instance.watcher_exclude is False
    assert (instance.host, instance.hypervisor_hostname) == ("compute-1", "compute-1.node")


def test_instance_is_frozen(client):
    instance = client.get_instance_by_uuid(cloud.BY_NAME["vm-a"].uuid)
    with pytest.raises(AttributeError):
        instance.state = "stopped"  # type: ignore[misc]


def test_unknown_instance_raises_instance_not_found(client):
    with pytest.raises(InstanceNotFound, match="00000000-0000-4000-8000-0000000000ff"):
        client.get_instance_by_uuid("00000000-0000-4000-8000-0000000000ff")


def test_get_all_instances_includes_those_without_a_host(client):
    instances = client.get_all_instances()
    assert sorted(instance.name for instance in instances.values()) == sorted(cloud.BY_NAME)
    assert instances[cloud.BY_NAME["vm-h"].uuid].host is None


def test_node_of_an_instance(client):
    node = client.get_node_by_instance_uuid(cloud.BY_NAME["vm-g"].uuid)
    assert node.hostname == "compute-9"


def test_node_of_an_instance_without_host_raises_instance_not_mapped(client):
    with pytest.raises(InstanceNotMapped):
        client.get_node_by_instance_uuid(cloud.BY_NAME["vm-h"].uuid)


def test_node_of_an_unknown_instance_raises_instance_not_found(client):
    with pytest.raises(InstanceNotFound):
        client.get_node_by_instance_uuid("00000000-0000-4000-8000-0000000000ff")


def test_node_instances(client):
    node = client.get_node_by_name("compute-2")
    assert sorted(i.name for i in client.get_node_instances(node)) == ["vm-c", "vm-d"]


def test_used_resources_sum_the_hosted_instances(client):
    node = client.get_node_by_name("compute-2")
    assert client.get_node_used_resources(node) == {"vcpu": 10, "memory": 20480, "disk": 200}


def test_used_resources_of_an_empty_node_are_zero(client):
    node = client.get_node_by_name("compute-5")
    assert client.get_node_used_resources(node) == {"vcpu": 0, "memory": 0, "disk": 0}


def test_free_resources_are_capacity_less_used_and_negative_when_overcommitted(client):
    node = client.get_node_by_name("compute-2")
    assert client.get_node_free_resources(node) == {"vcpu": -2.0, "memory": -4096.0, "disk": 0.0}


def test_the_client_cannot_write(client):
    with pytest.raises(ClientError) as refused:
        client.query("batch/compute_node/lock", keys=["compute-100"])
    assert refused.value.code == "Neo.ClientError.Statement.AccessMode"
    with pytest.raises(ComputeNodeNotFound):
        client.get_node_by_name("compute-100")


def test_snapshot_answers_like_the_graph(client):
    snapshot = client.snapshot()
    assert snapshot.get_all_compute_nodes() == client.get_all_compute_nodes()
    assert snapshot.get_all_instances() == client.get_all_instances()
    for node in client.get_all_compute_nodes().values():
        assert snapshot.get_node_used_resources(node) == client.get_node_used_resources(node)
        assert sorted(i.uuid for i in snapshot.get_node_instances(node)) == sorted(
            i.uuid for i in client.get_node_instances(node)
        )


def test_a_snapshot_holds_the_instances_no_node_hosts(client):
    vm_h = cloud.BY_NAME["vm-h"].uuid  # shelved and offloaded
    instance = client.snapshot().get_instance_by_uuid(vm_h)
    assert (instance.name, instance.host, instance.hypervisor_hostname) == ("vm-h", None, None)


def test_a_snapshot_leaves_out_an_instance_placeholder_without_event_time(client, graph):
    # What a batch's lock leaves before its writes (batch/instance/lock): a node with its uuid
    # only, hosted by no node, as the instances a snapshot finds by their HOSTS degree.
    placeholder = "00000000-0000-4000-8000-00000000abcd"
    Gateway(graph).execute("batch/instance/lock", keys=[placeholder])
    snapshot = client.snapshot()
    assert placeholder not in snapshot.get_all_instances()
    assert snapshot.get_all_instances() == client.get_all_instances()


def test_snapshot_lists_instances_in_uuid_order_whatever_the_order_they_were_written(
    apply, graph
):
    # Written last first: Neo4j's store holds them in the order written, the reverse.
    uuids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(8)]
    for time, uuid in enumerate(reversed(uuids), start=1):
        apply(notification("instance.create.end", time, uuid=uuid, host="compute-1"))
    snapshot = GraphClient(graph).snapshot()
    assert list(snapshot.get_all_instances()) == uuids
    [node] = snapshot.get_all_compute_nodes().values()
    assert [instance.uuid for instance in snapshot.get_node_instances(node)] == uuids


def test_snapshot_lists_compute_nodes_in_hostname_order_as_the_live_client_does(apply, graph):
    # Written last first. Neo4j now finds them through the hostname index, in its order; the
    # client sorts them all the same, as no plan promises an order without ORDER BY.
    hostnames = [f"compute-{n}" for n in range(1, 9)]
    for time, hostname in enumerate(reversed(hostnames), start=1):
        uuid = f"00000000-0000-4000-8000-{time:012d}"
        apply(notification("instance.create.end", time, uuid=uuid, host=hostname))
    client = GraphClient(graph)
    nodes = client.snapshot().get_all_compute_nodes()
    assert [node.hostname for node in nodes.values()] == hostnames
    assert list(nodes) == list(client.get_all_compute_nodes())


def test_a_snapshot_leaves_the_garbage_collector_as_it_found_it(client, collector_enabled):
    client.snapshot()
    assert gc.isenabled() is collector_enabled


def test_snapshot_reads_in_one_transaction_with_a_query_per_kind_of_grouping(
    client, monkeypatch
):
    ran: list[str] = []
    original = client._gateway.read_streamed

    def counting(work, *args):
        def spy(tx, *args):
            run = tx.run

            def recording(query, *args, **kwargs):
                ran.append(query)
                return run(query, *args, **kwargs)

            tx.run = recording
            return work(tx, *args)

        ran.append("transaction")
        return original(spy, *args)

    monkeypatch.setattr(client._gateway, "read_streamed", counting)
    client.snapshot()
    assert ran[0] == "transaction"
    # Compute nodes with their instances, aggregates, availability zones, server groups and
    # flavors, whatever the size of the cloud.
    assert len(ran) == 1 + 5


def test_migrating_in_a_snapshot_leaves_the_graph_alone(client):
    snapshot = client.snapshot()
    vm_c = snapshot.get_instance_by_uuid(cloud.BY_NAME["vm-c"].uuid)
    source, destination = (snapshot.get_node_by_name(h) for h in ("compute-2", "compute-5"))
    assert snapshot.migrate_instance(vm_c, source, destination) is True
    assert snapshot.get_node_by_instance_uuid(vm_c.uuid).hostname == "compute-5"
    assert snapshot.get_node_used_resources(destination)["vcpu"] == 8
    assert client.get_node_by_instance_uuid(vm_c.uuid).hostname == "compute-2"
