"""The emulated cloud of the Watcher tests: served by the API emulator, reconciled into the
graph at ``LISTED`` (``at(10)``), then changed by Nova's notifications.

| host | zone (aggregates) | status | capacity from | instances listed |
|---|---|---|---|---|
| w-1 | az-1 (fast) | enabled | Placement: 16 vCPU x4, 64 GiB (512 rsv.), 1000 GB | s-a, s-b |
| w-2 | az-1 (fast, gpu) | enabled | Placement: 16 vCPU x4, 64 GiB (512 rsv.), 1000 GB | s-c |
| w-3 | az-2 (slow) | disabled | Placement: 8 vCPU, 16 GiB, 500 GB | s-d |
| w-4 | az-2 (slow) | enabled | Placement: 4 vCPU, 8 GiB, 200 GB | s-e |
| w-5 | nova (none) | enabled | the hypervisor (no inventory): 16 vCPU, 32 GiB, 500 GB | - |

s-b is stopped and of another project; s-a has the metadata ``optimize=False``.

s-f is shelved and offloaded: no host. After the listing (``NOTIFICATIONS``): s-g is
created on w-1 (t=20), s-c live-migrates from w-2 to w-1 (t=21), s-e is deleted (t=22).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from oslo_config import cfg

from cdm_graph.apply.writer import GraphWriter
from cdm_graph.reconcile import apply_listing, connect
from cdm_graph.reconcile.listing import list_cloud
from cdm_graph.transport.envelope import Envelope
from tests.nova import at, notification
from tests.openstack_emulator import OpenStackEmulator, inventory, served

LISTED = 10
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
PROJECT_1 = "6f70656e737461636b20342065766572"
PROJECT_2 = "2" * 32


def placement(vcpus: int, vcpu_ratio: float, memory_mb: int, memory_reserved: int,
              disk_gb: int) -> dict[str, dict[str, Any]]:
    return {
        "VCPU": inventory(vcpus, allocation_ratio=vcpu_ratio),
        "MEMORY_MB": inventory(memory_mb, reserved=memory_reserved),
        "DISK_GB": inventory(disk_gb),
    }


@dataclass(frozen=True)
class Host:
    name: str
    inventories: dict[str, dict[str, Any]] | None
    status: str = "enabled"


HOSTS = (
    Host("w-1", placement(16, 4.0, 65536, 512, 1000)),
    Host("w-2", placement(16, 4.0, 65536, 512, 1000)),
    Host("w-3", placement(8, 1.0, 16384, 0, 500), status="disabled"),
    Host("w-4", placement(4, 1.0, 8192, 0, 200)),
    Host("w-5", None),
)
# name: (uuid, zone, hosts)
AGGREGATES = {
    "fast": ("aaaaaaaa-0000-4000-8000-000000000001", "az-1", ["w-1", "w-2"]),
    "slow": ("aaaaaaaa-0000-4000-8000-000000000002", "az-2", ["w-3", "w-4"]),
    "gpu": ("aaaaaaaa-0000-4000-8000-000000000003", None, ["w-2"]),
}


@dataclass(frozen=True)
class Server:
    name: str
    host: str | None
    vcpus: int
    ram: int
    disk: int
    vm_state: str = "active"
    project_id: str = PROJECT_1
    metadata: tuple[tuple[str, str], ...] = ()

    @property
    def uuid(self) -> str:
        """s-a -> 5e5e5e5e-0000-4000-8000-00000000000a"""
        return f"5e5e5e5e-0000-4000-8000-{ord(self.name[-1]):012x}"

    @property
    def flavor(self) -> dict[str, Any]:
        """As a server shows it from 2.47 on."""
        return {"original_name": f"f{self.vcpus}", "vcpus": self.vcpus, "ram": self.ram,
                "disk": self.disk, "ephemeral": 0, "swap": 0, "extra_specs": {}}

    @property
    def payload_flavor(self) -> dict[str, Any]:
        """As an InstancePayload's flavor says it."""
        return {"name": f"f{self.vcpus}", "vcpus": self.vcpus, "memory_mb": self.ram,
                "root_gb": self.disk, "ephemeral_gb": 0, "swap": 0, "extra_specs": {}}


SERVERS = (
    Server("s-a", "w-1", 4, 8192, 40, metadata=(("optimize", "False"),)),
    Server("s-b", "w-1", 2, 4096, 20, vm_state="stopped", project_id=PROJECT_2),
    Server("s-c", "w-2", 8, 16384, 80),
    Server("s-d", "w-3", 2, 2048, 20),
    Server("s-e", "w-4", 1, 1024, 10),
    Server("s-f", None, 2, 4096, 20, vm_state="shelved_offloaded"),
)
CREATED = Server("s-g", "w-1", 2, 4096, 40)
BY_NAME = {server.name: server for server in (*SERVERS, CREATED)}


def describe(emulator: OpenStackEmulator) -> None:
    """The cloud at the listing, in the emulator."""
    for host in HOSTS:
        emulator.add_compute(
            host.name, inventories=host.inventories, status=host.status, vcpus=16,
            memory_mb=32768, local_gb=500,
            disabled_reason="maintenance" if host.status == "disabled" else None,
        )
    for server in SERVERS:
        emulator.add_server(
            server.uuid, server.host, name=server.name, vm_state=server.vm_state,
            project_id=server.project_id, flavor=server.flavor,
            metadata=dict(server.metadata),
        )
    for name, (uuid, zone, hosts) in AGGREGATES.items():
        emulator.add_aggregate(name, hosts=hosts, availability_zone=zone, uuid=uuid)


def instance_event(
    event_type: str, seconds: float, server: Server, host: str | None, state: str | None = None
) -> Envelope:
    """An instance event of Nova's samples saying ``server`` is on ``host`` in ``state``."""
    return notification(
        event_type, seconds, uuid=server.uuid, display_name=server.name, host=host,
        node=None if host is None else f"{host}.example.org", tenant_id=server.project_id,
        image_uuid=IMAGE, state=state or server.vm_state, metadata=dict(server.metadata),
        flavor=server.payload_flavor,
    )


def notifications() -> list[Envelope]:
    """What Nova says after the listing."""
    return [
        instance_event("instance.create.end", 20, CREATED, "w-1"),
        instance_event("instance.live_migration_post_dest.end", 21, BY_NAME["s-c"], "w-1"),
        instance_event("instance.delete.end", 22, BY_NAME["s-e"], "w-4"),
    ]


def aggregate_events(seconds: float) -> list[Envelope]:
    """Nova's ``aggregate.create.end`` for each aggregate of the cloud, whole, with the ids
    the emulator numbers them by: how the graph learns its aggregates and zones."""
    events = []
    for number, (name, (uuid, zone, hosts)) in enumerate(AGGREGATES.items(), start=1):
        event = notification("aggregate.create.end", seconds, uuid=uuid, id=number, name=name,
                             hosts=list(hosts))
        event.payload["nova_object.data"]["metadata"] = (
            {"availability_zone": zone} if zone else {}
        )
        events.append(event)
    return events


@pytest.fixture
def emulated_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenStackEmulator]:
    """The emulator serving this cloud, named by the OS_* variables of an openrc."""
    with served(monkeypatch) as emulator:
        describe(emulator)
        yield emulator


def reconcile(writer: GraphWriter) -> None:
    """``cdm-graph reconcile`` of the emulated cloud, its listing begun at ``LISTED``."""
    connection = connect(None)
    try:
        apply_listing(writer, list_cloud(connection, page_size=1000, now=lambda: at(LISTED)))
    finally:
        connection.close()


def watcher_conf_file(
    directory: Path, neo4j_target: dict[str, Any], emulator: OpenStackEmulator
) -> Path:
    """A watcher.conf, readable by its owner only: the graph's Neo4j in ``[cdm_graph]``, and
    Watcher's own clients (its Nova collector and scope handler) on the emulated cloud."""
    path = directory / "watcher.conf"
    path.touch(mode=0o600)
    endpoint = "region_name = RegionOne\nvalid_interfaces = public\n"
    path.write_text(
        "[cdm_graph]\n"
        f"uri = {neo4j_target['uri']}\n"
        f"username = {neo4j_target['username']}\n"
        f"password = {neo4j_target['password']}\n"
        "[watcher_clients_auth]\n"
        "auth_type = password\n"
        f"auth_url = {emulator.auth_url}\n"
        f"username = {emulator.username}\n"
        f"password = {emulator.password}\n"
        f"project_name = {emulator.project_name}\n"
        "user_domain_name = Default\n"
        "project_domain_name = Default\n"
        f"[nova]\n{endpoint}[placement]\n{endpoint}"
    )
    return path


@pytest.fixture
def watcher_conf(
    emulated_cloud: OpenStackEmulator, neo4j_target: dict[str, Any], tmp_path: Path
) -> Iterator[cfg.ConfigOpts]:
    """Watcher's global configuration, read from a watcher.conf as the decision engine reads
    /etc/watcher/watcher.conf; reset after the test."""
    path = watcher_conf_file(tmp_path, neo4j_target, emulated_cloud)
    cfg.CONF(["--config-file", str(path)], project="watcher", default_config_files=[])
    yield cfg.CONF
    cfg.CONF.reset()
    cfg.CONF.clear()


# ------------------------------------------------------------------ Watcher's own models


def collected() -> Any:
    """The model Watcher's own Nova collector builds from the emulated cloud now: its
    periodic synchronization, through its clients (Keystone, Nova, Placement)."""
    from watcher.common import utils
    from watcher.decision_engine.model.collector import nova

    # A singleton, as in the decision engine: its last model is replaced, not reused.
    collector = nova.NovaClusterDataModelCollector(config=utils.Struct(period=3600))
    collector.get_audit_scope_handler(audit_scope=[])
    collector.synchronize()
    return collector


NODE_FIELDS = ("uuid", "state", "status", "disabled_reason", "vcpus", "vcpu_reserved",
               "vcpu_ratio", "memory", "memory_mb_reserved", "memory_ratio", "disk",
               "disk_gb_reserved", "disk_ratio")
INSTANCE_FIELDS = ("name", "state", "vcpus", "memory", "disk", "project_id", "locked",
                   "metadata", "watcher_exclude")


@dataclass(frozen=True)
class View:
    """What a Watcher ModelRoot says, comparable: nodes by hostname (their state, status,
    capacity, reserved amounts and ratios), instances by name (state, sizes), and which node
    hosts each instance."""

    nodes: dict[str, tuple[Any, ...]]
    instances: dict[str, tuple[Any, ...]]
    hosts: dict[str, str]

    @classmethod
    def of(cls, model: Any) -> View:
        nodes = model.get_all_compute_nodes().values()
        return cls(
            nodes={n.hostname: tuple(getattr(n, name) for name in NODE_FIELDS) for n in nodes},
            instances={
                i.name: tuple(getattr(i, name) for name in INSTANCE_FIELDS)
                for i in model.get_all_instances().values()
            },
            hosts={
                instance.name: node.hostname
                for node in nodes for instance in model.get_node_instances(node)
            },
        )

    def without(self, hostnames: set[str] = frozenset(), names: set[str] = frozenset()) -> View:
        """This view but for some nodes (and their instances) and some instances."""
        left_out = names | {name for name, host in self.hosts.items() if host in hostnames}
        return View(
            nodes={h: node for h, node in self.nodes.items() if h not in hostnames},
            instances={n: i for n, i in self.instances.items() if n not in left_out},
            hosts={n: h for n, h in self.hosts.items() if n not in left_out},
        )
