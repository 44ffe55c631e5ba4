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


def instance_event(event_type: str, seconds: float, server: Server, host: str) -> Envelope:
    return notification(
        event_type, seconds, uuid=server.uuid, display_name=server.name, host=host,
        node=f"{host}.example.org", tenant_id=server.project_id, image_uuid=IMAGE,
        state=server.vm_state, metadata=dict(server.metadata), flavor=server.payload_flavor,
    )


def notifications() -> list[Envelope]:
    """What Nova says after the listing."""
    return [
        instance_event("instance.create.end", 20, CREATED, "w-1"),
        instance_event("instance.live_migration_post_dest.end", 21, BY_NAME["s-c"], "w-1"),
        instance_event("instance.delete.end", 22, BY_NAME["s-e"], "w-4"),
    ]


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


def watcher_conf_file(directory: Path, neo4j_target: dict[str, Any]) -> Path:
    """A watcher.conf naming the graph's Neo4j in ``[cdm_graph]``, readable by its owner."""
    path = directory / "watcher.conf"
    path.touch(mode=0o600)
    path.write_text(
        "[cdm_graph]\n"
        f"uri = {neo4j_target['uri']}\n"
        f"username = {neo4j_target['username']}\n"
        f"password = {neo4j_target['password']}\n"
    )
    return path
