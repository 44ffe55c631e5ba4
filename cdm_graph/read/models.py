"""The read models: compute nodes and instances under Watcher's names, and what a missing one
raises.

``ComputeNode`` and ``Instance`` are frozen, with Watcher's attribute names (``memory``,
``disk``) and capacity properties, built from the properties the graph stores
(``from_graph``).

Capacity comes from the compute API and Placement (``cdm-graph reconcile``); no notification
carries it. A compute node that has not been reconciled yet, or one known only from instance
events (a stub, ``described`` false), lacks it: its totals, reserved amounts and allocation
ratios are None, and so are its capacities (``vcpu_capacity``...) and its free resources
(``ModelReader.get_node_free_resources``): unknown, never 0 nor a negative guess.
``capacity_known`` says whether all three are known; a Watcher model leaves a node without
it out (``cdm_graph.read.watcher``). Its uuid, also known only from the API, reads as its
hostname meanwhile, so that every node still has a unique uuid.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
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
    return _mapping_of(tuple(pairs) if pairs else ())


@functools.lru_cache(maxsize=1 << 16)
def _mapping_of(pairs: tuple[str, ...]) -> Mapping[str, str]:
    # Shared by every instance with the same pairs (a flavor's extra specs, common metadata):
    # a read-only mapping can be, and a snapshot of 200,000 instances then builds few.
    return MappingProxyType(dict(pair.split("=", 1) for pair in pairs if "=" in pair))


# Watcher's names of a compute node's capacity (ComputeNode fields, here and in Watcher),
# from the schema's declaration of each resource's total, reserved and allocation ratio.
CAPACITY_FIELDS: tuple[str, ...] = tuple(
    COMPUTE_NODE[name].watcher or name for names in RESOURCES.values() for name in names
)


def known_capacity(total: int | None, reserved: int | None, ratio: float | None) -> float | None:
    """One resource's capacity as Watcher computes it, None while its total is unknown (a
    reconcile that read the total always reads its reserved amount and ratio too)."""
    if total is None:
        return None
    return capacity(total, reserved or 0, 1.0 if ratio is None else ratio)


@dataclass(frozen=True, slots=True)
class ComputeNode:
    """A compute node under Watcher's attribute names (``memory``, ``disk``: totals in MB and
    GB); ``status`` and ``state`` are None for a node known only from instance events, the
    capacity fields None while no reconcile has read them."""

    uuid: str
    hostname: str
    hypervisor_hostname: str | None = None
    status: str | None = None
    state: str | None = None
    disabled_reason: str | None = None
    availability_zone: str | None = None
    described: bool = False
    vcpus: int | None = None
    vcpu_reserved: int | None = None
    vcpu_ratio: float | None = None
    memory: int | None = None
    memory_mb_reserved: int | None = None
    memory_ratio: float | None = None
    disk: int | None = None
    disk_gb_reserved: int | None = None
    disk_ratio: float | None = None

    @property
    def vcpu_capacity(self) -> float | None:
        return known_capacity(self.vcpus, self.vcpu_reserved, self.vcpu_ratio)

    @property
    def memory_mb_capacity(self) -> float | None:
        return known_capacity(self.memory, self.memory_mb_reserved, self.memory_ratio)

    @property
    def disk_gb_capacity(self) -> float | None:
        return known_capacity(self.disk, self.disk_gb_reserved, self.disk_ratio)

    @property
    def capacity_known(self) -> bool:
        """Whether the vCPU, memory and disk capacity are all known (read by a reconcile)."""
        return None not in (self.vcpus, self.memory, self.disk)

    @classmethod
    def from_graph(cls, properties: Mapping[str, Any]) -> ComputeNode:
        def ratio(key: str) -> float | None:
            value = properties.get(key)
            return None if value is None else float(value)

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
            vcpus=properties.get("vcpus"),
            vcpu_reserved=properties.get("vcpu_reserved"),
            vcpu_ratio=ratio("vcpu_ratio"),
            memory=properties.get("memory_mb"),
            memory_mb_reserved=properties.get("memory_mb_reserved"),
            memory_ratio=ratio("memory_ratio"),
            disk=properties.get("disk_gb"),
            disk_gb_reserved=properties.get("disk_gb_reserved"),
            disk_ratio=ratio("disk_ratio"),
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
    # The id of the flavor it is of (its OF_FLAVOR edge); its sizes above are its own.
    flavor_id: str | None = None
    host: str | None = None
    hypervisor_hostname: str | None = None
    created: datetime | None = None
    # Watcher's audit scope sets it on a strategy's copy; the graph never excludes anything.
    watcher_exclude: bool = False

    @classmethod
    def from_graph(cls, properties: Mapping[str, Any], hostname: str | None) -> Instance:
        get = properties.get
        return cls.from_columns(
            (properties["uuid"], get("name"), get("state"), get("memory_mb"), get("disk_gb"),
             get("vcpus"), get("project_id"), get("locked"), get("metadata"),
             get("extra_specs"), get("flavor_id"), get("node"), get("created_at")),
            hostname,
        )  # fmt: skip

    @classmethod
    def from_columns(cls, columns: Sequence[Any], host: str | None) -> Instance:
        """From the graph's values in the order of the snapshot's lists
        (``cypher/client/snapshot``): uuid, name, state, memory_mb, disk_gb, vcpus,
        project_id, locked, metadata, extra_specs, flavor_id, node, created_at; ``host``: the
        hosting node's hostname."""
        (uuid, name, state, memory_mb, disk_gb, vcpus, project_id, locked, metadata,
         extra_specs, flavor_id, node, created_at) = columns  # fmt: skip
        # By position, in the order of the fields: a snapshot builds one per instance of the
        # cloud, and keywords took a quarter longer (7.3 against 5.7 us). A test checks it
        # against the fields by name.
        return cls(
            uuid,
            name,
            state,
            memory_mb or 0,  # memory
            disk_gb or 0,  # disk
            vcpus or 0,
            project_id,
            bool(locked),
            _pairs_to_dict(metadata),
            _pairs_to_dict(extra_specs),  # flavor_extra_specs
            flavor_id,
            host,
            node if host else None,  # hypervisor_hostname
            _moment(created_at),  # created
        )


# ---------------------------------------------------------------- beyond Watcher's model
# Host aggregates, availability zones, server groups and flavors: what Watcher's audit scope
# and placement policies are expressed in, read from the graph (``cdm_graph.families``).


class AggregateNotFound(ComputeResourceNotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"host aggregate {name!r} could not be found")
        self.name = name


class AvailabilityZoneNotFound(ComputeResourceNotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"availability zone {name!r} could not be found")
        self.name = name


class ServerGroupNotFound(ComputeResourceNotFound):
    def __init__(self, uuid: str) -> None:
        super().__init__(f"server group {uuid!r} could not be found")
        self.uuid = uuid


class FlavorNotFound(ComputeResourceNotFound):
    """No flavor of this id, or (``instance_uuid``) none the instance is linked to."""

    def __init__(self, flavorid: str | None, instance_uuid: str | None = None) -> None:
        what = f"{flavorid!r}" if instance_uuid is None else f"of instance {instance_uuid!r}"
        super().__init__(f"flavor {what} could not be found")
        self.flavorid = flavorid
        self.instance_uuid = instance_uuid


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A host aggregate: ``hosts`` are the hostnames of the compute nodes it contains (its
    ``CONTAINS`` edges), sorted; ``availability_zone`` its zone metadata, if any."""

    uuid: str
    name: str | None = None
    id: int | None = None
    availability_zone: str | None = None
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    hosts: tuple[str, ...] = ()

    @classmethod
    def from_graph(cls, row: Mapping[str, Any]) -> Aggregate:
        return cls(
            uuid=row["uuid"],
            name=row.get("name"),
            id=row.get("id"),
            availability_zone=row.get("availability_zone"),
            metadata=_pairs_to_dict(row.get("metadata")),
            hosts=tuple(row.get("hosts") or ()),
        )


@dataclass(frozen=True, slots=True)
class AvailabilityZone:
    """An availability zone and the hostnames of its compute nodes, sorted."""

    name: str
    hosts: tuple[str, ...] = ()

    @classmethod
    def from_graph(cls, row: Mapping[str, Any]) -> AvailabilityZone:
        return cls(name=row["name"], hosts=tuple(row.get("hosts") or ()))


@dataclass(frozen=True, slots=True)
class ServerGroup:
    """A server group: its policy (affinity, anti-affinity, soft-affinity,
    soft-anti-affinity), its rules, and ``members``: the uuids of its member instances the
    graph holds (its ``HAS_MEMBER`` edges), sorted."""

    uuid: str
    name: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    policy: str | None = None
    rules: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    members: tuple[str, ...] = ()

    @classmethod
    def from_graph(cls, row: Mapping[str, Any]) -> ServerGroup:
        return cls(
            uuid=row["uuid"],
            name=row.get("name"),
            project_id=row.get("project_id"),
            user_id=row.get("user_id"),
            policy=row.get("policy"),
            rules=_pairs_to_dict(row.get("rules")),
            members=tuple(row.get("members") or ()),
        )


@dataclass(frozen=True, slots=True)
class Flavor:
    """A flavor as Nova describes it now; ``described`` is False for one the graph knows only
    as the flavor id instances name (never described, or deleted since). An instance keeps
    its own sizes, those it was built with (``Instance``)."""

    flavorid: str
    name: str | None = None
    vcpus: int | None = None
    memory_mb: int | None = None
    root_gb: int | None = None
    ephemeral_gb: int | None = None
    swap: int | None = None
    rxtx_factor: float | None = None
    vcpu_weight: int | None = None
    disabled: bool | None = None
    is_public: bool | None = None
    projects: tuple[str, ...] | None = None
    extra_specs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    description: str | None = None
    described: bool = False

    @classmethod
    def from_graph(cls, row: Mapping[str, Any]) -> Flavor:
        projects = row.get("projects")
        return cls(
            flavorid=row["flavorid"],
            name=row.get("name"),
            vcpus=row.get("vcpus"),
            memory_mb=row.get("memory_mb"),
            root_gb=row.get("root_gb"),
            ephemeral_gb=row.get("ephemeral_gb"),
            swap=row.get("swap"),
            rxtx_factor=row.get("rxtx_factor"),
            vcpu_weight=row.get("vcpu_weight"),
            disabled=row.get("disabled"),
            is_public=row.get("is_public"),
            projects=None if projects is None else tuple(projects),
            extra_specs=_pairs_to_dict(row.get("extra_specs")),
            description=row.get("description"),
            described=bool(row.get("described")),
        )
