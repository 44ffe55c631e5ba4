"""The snapshot's model, built in memory: an instance from the snapshot's columns, and a
snapshot from the client's reading (each node with the instances it hosts) or from its
elements."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from types import MappingProxyType

from cdm_graph.read.models import ComputeNode, Instance
from cdm_graph.read.snapshot import Snapshot

COLUMNS = (
    "uuid-1", "vm-1", "active", 2048, 20, 2, "project-1", True, ["env=prod"],
    ["hw:cpu_policy=dedicated"], "flavor-1", "compute-1.example", "2026-12-01T10:00:00Z",
)  # fmt: skip


def test_an_instance_from_the_snapshots_columns_holds_each_column_in_its_field() -> None:
    assert Instance.from_columns(COLUMNS, "compute-1") == Instance(
        uuid="uuid-1",
        name="vm-1",
        state="active",
        memory=2048,
        disk=20,
        vcpus=2,
        project_id="project-1",
        locked=True,
        metadata=MappingProxyType({"env": "prod"}),
        flavor_extra_specs=MappingProxyType({"hw:cpu_policy": "dedicated"}),
        flavor_id="flavor-1",
        host="compute-1",
        hypervisor_hostname="compute-1.example",
        created=datetime(2026, 12, 1, 10, tzinfo=UTC),
        watcher_exclude=False,
    )


def test_an_instance_no_node_hosts_has_no_hypervisor_hostname() -> None:
    instance = Instance.from_columns(COLUMNS, None)
    assert (instance.host, instance.hypervisor_hostname) == (None, None)


NODES = [ComputeNode(uuid=f"node-{n}", hostname=f"compute-{n}") for n in (1, 2, 3)]
INSTANCES = [
    Instance(uuid="c", host="compute-2"),
    Instance(uuid="a", host="compute-2"),
    Instance(uuid="d"),
    Instance(uuid="b", host="compute-1"),
]


def test_a_snapshot_read_host_by_host_is_the_snapshot_of_its_nodes_and_instances() -> None:
    by_host = {node.hostname: (node, []) for node in NODES}
    for instance in sorted(INSTANCES, key=lambda instance: instance.uuid):
        if instance.host is not None:
            by_host[instance.host][1].append(instance)
    read = Snapshot.of_hosts(by_host.values(), [i for i in INSTANCES if i.host is None])
    built = Snapshot(NODES, INSTANCES)
    for snapshot in (read, built):
        assert list(snapshot.get_all_compute_nodes()) == ["node-1", "node-2", "node-3"]
        assert list(snapshot.get_all_instances()) == ["a", "b", "c", "d"]
        hosted = {
            node.hostname: [i.uuid for i in snapshot.get_node_instances(node)] for node in NODES
        }
        assert hosted == {"compute-1": ["b"], "compute-2": ["a", "c"], "compute-3": []}


def test_a_deep_copy_of_a_snapshot_holds_each_nodes_instances_in_uuid_order() -> None:
    snapshot = Snapshot(NODES, INSTANCES)
    source, destination = NODES[0], NODES[1]
    snapshot.migrate_instance(snapshot.get_instance_by_uuid("b"), source, destination)
    copied = copy.deepcopy(snapshot)
    assert [i.uuid for i in copied.get_node_instances(destination)] == ["a", "b", "c"]
    assert copied.get_instance_by_uuid("b").host == "compute-2"
