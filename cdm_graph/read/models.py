"""The read models: compute nodes and instances under Watcher's names, and what a missing one
raises.

``ComputeNode`` and ``Instance`` are frozen, with Watcher's attribute names (``memory``,
``disk``) and capacity properties, built from the properties the graph stores
(``from_graph``).

Capacity comes from the compute API and Placement (``cdm-graph reconcile``); no notification
carries it. A compute node that has not been reconciled yet, or one known only from instance
events (a stub, ``described`` false), lacks it: its totals and reserved amounts read as 0 and
its allocation ratios as 1.0, so its capacity is 0. Its uuid, also known only from the API,
reads as its hostname meanwhile, so that every node still has a unique uuid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from cdm_graph.gateway import native
from cdm_graph.schema.compute_node import COMPUTE_NODE, RESOURCES, capacity


class ComputeResourceNotFound(LookupError):
    """No such element in the model (Watcher's ``ComputeResourceNotFound``)."""


class ComputeNodeNotFound(ComputeResourceNotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"compute node {name!r} could not be found")
        self.name = name


class InstanceNotFound(ComputeResourceNotFound):
    def __init__(self, uuid: str) -> None:
        super().__init__(f"instance {uuid!r} could not be found")
        self.uuid = uuid


class InstanceNotMapped(ComputeResourceNotFound):
    """The instance exists but no compute node hosts it (shelved offloaded, not scheduled)."""

    def __init__(self, uuid: str) -> None:
        super().__init__(f"instance {uuid!r} is not mapped to any compute node")
        self.uuid = uuid


def _moment(value: Any) -> datetime | None:
    """A date the client's statements return as an ISO string (or a Neo4j DateTime)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    converted: datetime | None = native(value)
    return converted


def _pairs_to_dict(pairs: Iterable[str] | None) -> Mapping[str, str]:
    """The graph's sorted "key=value" strings back to a read-only mapping."""
    return MappingProxyType(dict(pair.split("=", 1) for pair in pairs or () if "=" in pair))


# Watcher's names of a compute node's capacity (ComputeNode fields, here and in Watcher),
# from the schema's declaration of each resource's total, reserved and allocation ratio.
CAPACITY_FIELDS: tuple[str, ...] = tuple(
    COMPUTE_NODE[name].watcher or name for names in RESOURCES.values() for name in names
)


@dataclass(frozen=True, slots=True)
class ComputeNode:
    """A compute node under Watcher's attribute names (``memory``, ``disk``: totals in MB and
    GB); ``status`` and ``state`` are None for a node known only from instance events."""

    uuid: str
    hostname: str
    hypervisor_hostname: str | None = None
    status: str | None = None
    state: str | None = None
    disabled_reason: str | None = None
    availability_zone: str | None = None
    described: bool = False
    vcpus: int = 0
    vcpu_reserved: int = 0
    vcpu_ratio: float = 1.0
    memory: int = 0
    memory_mb_reserved: int = 0
    memory_ratio: float = 1.0
    disk: int = 0
    disk_gb_reserved: int = 0
    disk_ratio: float = 1.0

    @property
    def vcpu_capacity(self) -> float:
        return capacity(self.vcpus, self.vcpu_reserved, self.vcpu_ratio)

    @property
    def memory_mb_capacity(self) -> float:
        return capacity(self.memory, self.memory_mb_reserved, self.memory_ratio)

    @property
    def disk_gb_capacity(self) -> float:
        return capacity(self.disk, self.disk_gb_reserved, self.disk_ratio)

    @classmethod
    def from_graph(cls, properties: Mapping[str, Any]) -> ComputeNode:
        def number(key: str, missing: float) -> Any:
            value = properties.get(key)
            return missing if value is None else value

        hostname = properties["hostname"]
        return cls(
            uuid=properties.get("uuid") or hostname,
            hostname=hostname,
            hypervisor_hostname=properties.get("hypervisor_hostname"),
            status=properties.get("status"),
            state=properties.get("state"),
            disabled_reason=properties.get("disabled_reason"),
            availability_zone=properties.get("availability_zone"),
            described=bool(properties.get("described")),
            vcpus=number("vcpus", 0),
            vcpu_reserved=number("vcpu_reserved", 0),
            vcpu_ratio=float(number("vcpu_ratio", 1.0)),
            memory=number("memory_mb", 0),
            memory_mb_reserved=number("memory_mb_reserved", 0),
            memory_ratio=float(number("memory_ratio", 1.0)),
            disk=number("disk_gb", 0),
            disk_gb_reserved=number("disk_gb_reserved", 0),
            disk_ratio=float(number("disk_ratio", 1.0)),
        )


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance under Watcher's attribute names: ``memory`` in MB, ``disk`` in GB as
    Watcher counts it (root disk if image-backed, ephemeral, swap), ``state`` the vm_state,
    ``host`` the compute node hosting it (None: none does)."""

    uuid: str
    name: str | None = None
    state: str | None = None
    memory: int = 0
    disk: int = 0
    vcpus: int = 0
    project_id: str | None = None
    locked: bool = False
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    flavor_extra_specs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    host: str | None = None
    hypervisor_hostname: str | None = None
    created: datetime | None = None
    # Watcher's audit scope sets it on a strategy's copy; the graph never excludes anything.
    watcher_exclude: bool = False

    @classmethod
    def from_graph(cls, properties: Mapping[str, Any], hostname: str | None) -> Instance:
        return cls(
            uuid=properties["uuid"],
            name=properties.get("name"),
            state=properties.get("state"),
            memory=properties.get("memory_mb") or 0,
            disk=properties.get("disk_gb") or 0,
            vcpus=properties.get("vcpus") or 0,
            project_id=properties.get("project_id"),
            locked=bool(properties.get("locked")),
            metadata=_pairs_to_dict(properties.get("metadata")),
            flavor_extra_specs=_pairs_to_dict(properties.get("extra_specs")),
            host=hostname,
            hypervisor_hostname=properties.get("node") if hostname else None,
            created=_moment(properties.get("created_at")),
        )
