"""Whole-model operations at each size: a reconcile of a full listing from the API emulator
(API time apart from writing time), and GraphClient's whole-model snapshot."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from cdm_graph.simulate import (
    SimulatedAggregate,
    SimulatedFlavor,
    SimulatedHost,
    SimulatedInstance,
    SimulatedServerGroup,
)

# nova.compute.power_state's codes, which the API shows for the names notifications carry.
POWER_STATES = {"pending": 0, "running": 1, "paused": 3, "shutdown": 4, "crashed": 6,
                "suspended": 7}  # fmt: skip


class SimulatedCloud(Protocol):
    """A cloud the benchmark made up: ``NovaSimulator``, or ``bench.nova_stream``'s."""

    @property
    def hosts(self) -> Mapping[str, SimulatedHost]: ...

    @property
    def instances(self) -> Mapping[str, SimulatedInstance]: ...


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    compute_nodes: int
    servers: int
    api_seconds: float
    apply_seconds: float
    summary: str
    # ``cdm_graph.reconcile.reconcile`` as the command and the sync's duty run it: listing
    # the cloud and writing each page as the next is listed.
    reconcile_seconds: float
    reconcile_summary: str

    @property
    def writing_beyond_listing(self) -> float:
        """What writing adds to a reconcile's time beyond its listing's."""
        return max(self.reconcile_seconds - self.api_seconds, 0.0)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """The OS_* variables of an openrc, for openstacksdk, only while listing."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _emulator(cloud: SimulatedCloud) -> Any:
    from tests.openstack_emulator import OpenStackEmulator, inventory

    emulator = OpenStackEmulator()
    for host in cloud.hosts.values():
        emulator.add_compute(
            host.hostname,
            status="disabled" if host.disabled else "enabled",
            disabled_reason=host.disabled_reason,
            service_uuid=host.service_uuid,
            inventories={
                "VCPU": inventory(64, 0, 4.0),
                "MEMORY_MB": inventory(262144, 512, 1.5),
                "DISK_GB": inventory(4000),
            },
        )
    for instance in cloud.instances.values():
        flavor = instance.flavor
        emulator.add_server(
            instance.uuid,
            instance.host,
            name=instance.name,
            project_id=instance.project_id,
            vm_state=instance.state,
            power_state=POWER_STATES.get(instance.power_state, 0),
            image_uuid=instance.image_uuid or None,
            metadata=dict(instance.metadata),
            flavor={
                "original_name": flavor.name,
                "vcpus": flavor.vcpus,
                "ram": flavor.memory_mb,
                "disk": flavor.root_gb,
                "ephemeral": flavor.ephemeral_gb,
                "swap": flavor.swap,
                "extra_specs": {"hw:cpu_policy": "shared"},
            },
        )
    # The simulator's aggregates, flavors and server groups (Nova-shaped streams have none).
    aggregates: Mapping[str, SimulatedAggregate] = getattr(cloud, "aggregates", {})
    flavors: Mapping[str, SimulatedFlavor] = getattr(cloud, "flavors", {})
    server_groups: Mapping[str, SimulatedServerGroup] = getattr(cloud, "server_groups", {})
    for aggregate in aggregates.values():
        emulator.add_aggregate(
            aggregate.name, hosts=aggregate.hosts, metadata=aggregate.metadata,
            uuid=aggregate.uuid, id=aggregate.id,
        )
    for simulated in flavors.values():
        figures = simulated.figures
        emulator.add_flavor(
            figures.flavorid, figures.name, vcpus=figures.vcpus, ram=figures.memory_mb,
            disk=figures.root_gb, ephemeral=figures.ephemeral_gb, swap=figures.swap,
            is_public=figures.is_public, description=simulated.description,
            extra_specs=dict(simulated.extra_specs), projects=list(simulated.projects),
        )
    for group in server_groups.values():
        emulator.add_server_group(
            group.uuid, group.name, policy=group.policy, rules=dict(group.rules),
            members=list(group.members), project_id=group.project_id, user_id=group.user_id,
        )
    return emulator.in_a_process_of_its_own()


def reconcile_from_emulator(cloud: SimulatedCloud, writer: Any) -> ReconcileResult:
    """List the cloud from the emulator over HTTP, then apply the listing; then a whole
    reconcile, which writes while it lists (the graph's times are then older than its
    listing, so it writes every element again)."""
    from cdm_graph.reconcile import apply_listing, connect, reconcile
    from cdm_graph.reconcile.listing import list_cloud

    with _emulator(cloud) as emulator, _environment(emulator.environment()):
        connection = connect(None)
        try:
            started = time.perf_counter()
            listing = list_cloud(connection, page_size=1000)
            api_seconds = time.perf_counter() - started
        finally:
            connection.close()
        if listing.error:
            raise RuntimeError(f"listing the emulated cloud failed: {listing.error}")
        started = time.perf_counter()
        summary = apply_listing(writer, listing)
        apply_seconds = time.perf_counter() - started
        started = time.perf_counter()
        whole = reconcile(None, writer, page_size=1000)
        reconcile_seconds = time.perf_counter() - started
    if whole.error:
        raise RuntimeError(f"the reconcile's listing failed: {whole.error}")
    return ReconcileResult(
        len(listing.compute_nodes),
        len(listing.servers),
        api_seconds,
        apply_seconds,
        summary.text().replace("\n", "; "),
        reconcile_seconds,
        whole.text().replace("\n", "; "),
    )


def snapshot_seconds(driver: Any) -> tuple[float, int, int]:
    """Time of GraphClient.snapshot(), and what it read (compute nodes, instances)."""
    from cdm_graph.read.client import GraphClient

    client = GraphClient(driver)
    started = time.perf_counter()
    snapshot = client.snapshot()
    seconds = time.perf_counter() - started
    return seconds, len(snapshot.get_all_compute_nodes()), len(snapshot.get_all_instances())
