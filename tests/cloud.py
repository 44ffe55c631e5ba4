"""A small known cloud, built through the real pipeline, for the read tests.

| host | described | status / state | capacity (vcpu, MB, GB as Watcher computes it) | instances |
|---|---|---|---|---|
| compute-1 | yes | enabled / up | 32, 32256, 500 | vm-a, vm-b |
| compute-2 | yes | enabled / up | 8, 16384, 200: overcommitted | vm-c, vm-d |
| compute-3 | yes | disabled / up | 16, 16384, 200 | vm-e |
| compute-4 | yes | enabled / down | not reconciled: 0 | vm-f |
| compute-5 | yes | enabled / up | 16, 32768, 400 | none |
| compute-9 | no: known only from vm-g | - | 0 | vm-g |

vm-h was shelved and offloaded: no host.

Beyond Watcher's model (``grouping_notifications``, built on top by ``build_with_groupings``):

| element | what |
|---|---|
| aggregate agg-az1, zone az-1 | compute-1, compute-2 |
| aggregate agg-ssd, no zone | compute-2, compute-3, compute-7 (known only from it: a stub) |
| zone nova (the default) | compute-3, compute-4, compute-5, compute-7, compute-9 |
| server group web, anti-affinity | vm-a, vm-b (both on compute-1: a violation), vm-z (unknown) |
| server group db, affinity | vm-c (compute-2), vm-e (compute-3): a violation |
| server group batch, soft-anti-affinity | vm-c, vm-d (both on compute-2: only a soft violation) |
| flavor 1 m1.tiny, public | vm-b, vm-f, vm-g |
| flavor 2 m1.small, private to project 1, hw:cpu_policy=dedicated | vm-d, vm-e, vm-h |
| flavor 3 | vm-a, vm-c: never described (a stub) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import neo4j

from cdm_graph.transport.envelope import Envelope
from tests.graphs import CYPHER
from tests.nova import notification

PROJECT_1 = "1" * 32
PROJECT_2 = "2" * 32
PROJECT_3 = "3" * 32
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def instance_uuid(name: str) -> str:
    """vm-a -> 00000000-0000-4000-8000-00000000000a"""
    return f"00000000-0000-4000-8000-{ord(name[-1]):012x}"


def node_uuid(hostname: str) -> str:
    return f"cccccccc-0000-4000-8000-{int(hostname.rsplit('-', 1)[1]):012d}"


@dataclass(frozen=True)
class KnownInstance:
    name: str
    host: str | None
    project_id: str
    vcpus: int
    memory_mb: int
    root_gb: int
    metadata: dict[str, str]
    flavorid: str

    @property
    def uuid(self) -> str:
        return instance_uuid(self.name)


INSTANCES = (
    KnownInstance("vm-a", "compute-1", PROJECT_1, 4, 8192, 80, {"tier": "gold"}, "3"),
    KnownInstance("vm-b", "compute-1", PROJECT_2, 1, 512, 1, {}, "1"),
    KnownInstance("vm-c", "compute-2", PROJECT_1, 8, 16384, 160, {}, "3"),
    KnownInstance("vm-d", "compute-2", PROJECT_1, 2, 4096, 40, {}, "2"),
    KnownInstance("vm-e", "compute-3", PROJECT_2, 2, 2048, 20, {}, "2"),
    KnownInstance("vm-f", "compute-4", PROJECT_3, 1, 512, 1, {}, "1"),
    KnownInstance("vm-g", "compute-9", PROJECT_3, 1, 1024, 10, {}, "1"),
    KnownInstance("vm-h", None, PROJECT_2, 2, 4096, 40, {}, "2"),
)
BY_NAME = {instance.name: instance for instance in INSTANCES}

# hostname: (disabled, forced_down)
SERVICES = {
    "compute-1": (False, False),
    "compute-2": (False, False),
    "compute-3": (True, False),
    "compute-4": (False, True),
    "compute-5": (False, False),
}


def capacity_of(vcpus: int, vcpu_ratio: float, memory_mb: int, memory_mb_reserved: int,
                disk_gb: int, vcpu_reserved: int = 0) -> dict[str, Any]:
    """A compute node's capacity as reconcile writes it (memory and disk ratios 1.0)."""
    return dict(vcpus=vcpus, vcpu_reserved=vcpu_reserved, vcpu_ratio=vcpu_ratio,
                memory_mb=memory_mb, memory_mb_reserved=memory_mb_reserved, memory_ratio=1.0,
                disk_gb=disk_gb, disk_gb_reserved=0, disk_ratio=1.0)


# What reconcile would read from the compute API and Placement; compute-4 was never read.
CAPACITY: dict[str, dict[str, Any]] = {
    "compute-1": capacity_of(16, 2.0, 32768, 512, 500),
    "compute-2": capacity_of(8, 1.0, 16384, 0, 200),
    "compute-3": capacity_of(16, 1.0, 16384, 0, 200),
    "compute-5": capacity_of(20, 1.0, 32768, 0, 400, vcpu_reserved=4),
}



def notifications() -> list[Envelope]:
    envelopes = [
        notification(
            "service.update", second, host=hostname, disabled=disabled, forced_down=forced_down,
            disabled_reason="maintenance" if disabled else None,
        )
        for second, (hostname, (disabled, forced_down)) in enumerate(SERVICES.items(), start=1)
    ]
    for second, instance in enumerate(INSTANCES, start=10):
        envelopes.append(
            notification(
                "instance.create.end", second, uuid=instance.uuid, display_name=instance.name,
                host=instance.host or "compute-1", node=f"{instance.host or 'compute-1'}.node",
                tenant_id=instance.project_id, image_uuid=IMAGE, metadata=instance.metadata,
                flavor={"vcpus": instance.vcpus, "memory_mb": instance.memory_mb,
                        "root_gb": instance.root_gb, "ephemeral_gb": 0, "swap": 0,
                        "flavorid": instance.flavorid},
            )
        )
        if instance.host is None:
            envelopes.append(
                notification(
                    "instance.shelve_offload.end", second + 20, uuid=instance.uuid,
                    display_name=instance.name, host=None, node=None,
                    tenant_id=instance.project_id, image_uuid=IMAGE, state="shelved_offloaded",
                    flavor={"vcpus": instance.vcpus, "memory_mb": instance.memory_mb,
                            "root_gb": instance.root_gb, "ephemeral_gb": 0, "swap": 0,
                            "flavorid": instance.flavorid},
                )
            )
    return envelopes


def set_capacity(driver: neo4j.Driver, capacity: dict[str, dict[str, Any]]) -> None:
    rows = [
        {
            "hostname": hostname,
            "capacity": {
                **values,
                "uuid": node_uuid(hostname),
                "hypervisor_hostname": f"{hostname}.node",
            },
        }
        for hostname, values in capacity.items()
    ]
    driver.execute_query(CYPHER.load("set_capacity"), rows=rows)


def build(apply: Callable[..., Any], driver: neo4j.Driver) -> None:
    """The known cloud above, in an empty graph."""
    outcome = apply(*notifications())
    assert not outcome.rejected, outcome.rejected
    set_capacity(driver, CAPACITY)


# ---------------------------------------------------------------- beyond Watcher's model

AGGREGATE_AZ1 = "aaaaaaaa-0000-4000-8000-000000000001"
AGGREGATE_SSD = "aaaaaaaa-0000-4000-8000-000000000002"
GROUP_WEB = "99999999-0000-4000-8000-000000000001"
GROUP_DB = "99999999-0000-4000-8000-000000000002"
GROUP_BATCH = "99999999-0000-4000-8000-000000000003"
NOT_IN_THE_GRAPH = instance_uuid("vm-z")


def replaced(envelope: Envelope, **data: Any) -> Envelope:
    """The notification with these fields of its payload replaced whole (``notification``
    merges a mapping into the sample's, where a test needs exactly the mapping it gives)."""
    envelope.payload["nova_object.data"].update(data)
    return envelope


def grouping_notifications() -> list[Envelope]:
    """The aggregates, server groups and flavors of the table above, after the instances."""

    def aggregate(event_type: str, second: float, uuid: str, id: int, name: str,
                  metadata: dict[str, str], hosts: list[str]) -> Envelope:
        return replaced(notification(event_type, second), uuid=uuid, id=id, name=name,
                        metadata=metadata, hosts=hosts)

    aggregates = [
        aggregate("aggregate.create.end", 50, AGGREGATE_AZ1, 1, "agg-az1",
                  {"availability_zone": "az-1"}, []),
        aggregate("aggregate.add_host.end", 51, AGGREGATE_AZ1, 1, "agg-az1",
                  {"availability_zone": "az-1"}, ["compute-1", "compute-2"]),
        aggregate("aggregate.add_host.end", 52, AGGREGATE_SSD, 2, "agg-ssd",
                  {"ssd": "true"}, ["compute-2", "compute-3", "compute-7"]),
    ]

    def group(second: float, uuid: str, name: str, policy: str,
              members: list[str]) -> Envelope:
        return replaced(notification("server_group.add_member", second), uuid=uuid, name=name,
                        project_id=PROJECT_1, policy=policy, policies=[policy], rules={},
                        members=members)

    groups = [
        group(60, GROUP_WEB, "web", "anti-affinity",
              [instance_uuid("vm-a"), instance_uuid("vm-b"), NOT_IN_THE_GRAPH]),
        group(61, GROUP_DB, "db", "affinity", [instance_uuid("vm-c"), instance_uuid("vm-e")]),
        group(62, GROUP_BATCH, "batch", "soft-anti-affinity",
              [instance_uuid("vm-c"), instance_uuid("vm-d")]),
    ]
    flavors = [
        replaced(notification("flavor.create", 70), flavorid="1", name="m1.tiny", vcpus=1,
                 memory_mb=512, root_gb=1, ephemeral_gb=0, swap=0, is_public=True,
                 projects=None, extra_specs={}),
        replaced(notification("flavor.update", 71), flavorid="2", name="m1.small", vcpus=2,
                 memory_mb=2048, root_gb=20, ephemeral_gb=0, swap=0, is_public=False,
                 projects=[PROJECT_1], extra_specs={"hw:cpu_policy": "dedicated"}),
    ]
    return aggregates + groups + flavors


def build_with_groupings(apply: Callable[..., Any], driver: neo4j.Driver) -> None:
    """The known cloud with its aggregates, zones, server groups and flavors."""
    build(apply, driver)
    outcome = apply(*grouping_notifications())
    assert not outcome.rejected, outcome.rejected
