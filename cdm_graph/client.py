"""Read the compute data model as Watcher strategies do, from Neo4j instead of memory.

``GraphClient`` offers the read API of Watcher's ``ModelRoot``
(``watcher.decision_engine.model.model_root``): ``get_all_compute_nodes``, ``get_node_by_uuid``,
``get_node_by_name``, ``get_instance_by_uuid``, ``get_node_by_instance_uuid``,
``get_all_instances``, ``get_node_instances``, ``get_node_used_resources`` and
``get_node_free_resources``, returning frozen ``ComputeNode`` and ``Instance`` objects with
Watcher's attribute names and capacity properties. Its sessions are in READ access mode:
Neo4j refuses any write made through it.

A strategy changes its own copy of the model (``migrate_instance``, a node's status), so
``GraphClient.snapshot()`` reads the whole model in one read transaction, with two queries
whatever the size of the cloud, into a ``Snapshot`` that answers the same API in memory and
takes such changes. Where python-watcher is installed (the ``watcher`` extra),
``Snapshot.to_watcher_model()`` (or ``GraphClient.watcher_model()``) builds a real Watcher
``ModelRoot``, on which a Watcher strategy runs unchanged.

Capacity comes from the compute API and Placement (``cdm-graph reconcile``); no notification
carries it. A compute node that has not been reconciled yet, or one known only from instance
events (a stub, ``described`` false), lacks it: its totals and reserved amounts read as 0 and
its allocation ratios as 1.0, so its capacity is 0. Its uuid, also known only from the API,
reads as its hostname meanwhile, so that every node still has a unique uuid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import neo4j

from cdm_graph import statements
from cdm_graph.gateway import native

if TYPE_CHECKING:
    from watcher.decision_engine.model.model_root import ModelRoot

_Result = TypeVar("_Result")


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


def _pairs_to_dict(pairs: Iterable[str] | None) -> Mapping[str, str]:
    """The graph's sorted "key=value" strings back to a read-only mapping."""
    return MappingProxyType(dict(pair.split("=", 1) for pair in pairs or () if "=" in pair))


# Watcher's names of a compute node's capacity (ComputeNode fields, here and in Watcher).
CAPACITY_FIELDS: tuple[str, ...] = (
    "vcpus", "vcpu_reserved", "vcpu_ratio",
    "memory", "memory_mb_reserved", "memory_ratio",
    "disk", "disk_gb_reserved", "disk_ratio",
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
        return (self.vcpus - self.vcpu_reserved) * self.vcpu_ratio

    @property
    def memory_mb_capacity(self) -> float:
        return (self.memory - self.memory_mb_reserved) * self.memory_ratio

    @property
    def disk_gb_capacity(self) -> float:
        return (self.disk - self.disk_gb_reserved) * self.disk_ratio

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
            created=native(properties.get("created_at")),
        )


def _used(instances: Iterable[Instance]) -> dict[str, int]:
    used = {"vcpu": 0, "memory": 0, "disk": 0}
    for instance in instances:
        used["vcpu"] += instance.vcpus
        used["memory"] += instance.memory
        used["disk"] += instance.disk
    return used


def _free(node: ComputeNode, used: Mapping[str, int]) -> dict[str, float]:
    return {
        "vcpu": node.vcpu_capacity - used["vcpu"],
        "memory": node.memory_mb_capacity - used["memory"],
        "disk": node.disk_gb_capacity - used["disk"],
    }


class GraphClient:
    """Read-only access to the compute data model in Neo4j, with Watcher's ModelRoot API.

    Compute nodes are keyed by uuid, as in Watcher: ``get_all_compute_nodes()`` maps each
    node's uuid to it, ``get_all_instances()`` each instance's uuid to it.
    """

    def __init__(self, driver: neo4j.Driver, database: str = "neo4j") -> None:
        self._driver = driver
        self._database = database

    # ---------------------------------------------------------------- plumbing

    def _read(self, work: Callable[[neo4j.ManagedTransaction], _Result]) -> _Result:
        # READ access mode: the server refuses writes in these transactions, so a client
        # handed to strategies or analysts cannot change the graph by mistake.
        with self._driver.session(
            database=self._database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            return session.execute_read(work)

    def query(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run one statement of ``cypher/`` (e.g. ``queries/overcommitted_hosts``) in a read
        transaction; its rows as dicts, Neo4j's temporal values as Python's."""
        text = statements.load(name)

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [
                {key: native(value) for key, value in record.items()}
                for record in tx.run(text, parameters)
            ]

        return self._read(work)

    def _one(self, name: str, **parameters: Any) -> dict[str, Any] | None:
        rows = self.query(name, **parameters)
        return rows[0] if rows else None

    # ---------------------------------------------------------------- compute nodes

    def get_all_compute_nodes(self) -> dict[str, ComputeNode]:
        nodes = (ComputeNode.from_graph(row["node"]) for row in self.query("client/compute_nodes"))
        return {node.uuid: node for node in nodes}

    def get_node_by_uuid(self, uuid: str) -> ComputeNode:
        row = self._one("client/compute_node_by_uuid", uuid=uuid)
        if row is None:
            raise ComputeNodeNotFound(uuid)
        return ComputeNode.from_graph(row["node"])

    def get_node_by_name(self, name: str) -> ComputeNode:
        """The compute node of one nova-compute host (Watcher's ``hostname``)."""
        row = self._one("client/compute_node_by_hostname", hostname=name)
        if row is None:
            raise ComputeNodeNotFound(name)
        return ComputeNode.from_graph(row["node"])

    def get_node_instances(self, node: ComputeNode) -> list[Instance]:
        rows = self.query("client/hosted_instances", hostname=node.hostname)
        return [Instance.from_graph(row["instance"], row["hostname"]) for row in rows]

    def get_node_used_resources(self, node: ComputeNode) -> dict[str, int]:
        """``{"vcpu", "memory", "disk"}`` the node's instances use (MB and GB)."""
        row = self._one("client/used_resources", hostname=node.hostname)
        if row is None:
            raise ComputeNodeNotFound(node.hostname)
        return {"vcpu": row["vcpu"], "memory": row["memory"], "disk": row["disk"]}

    def get_node_free_resources(self, node: ComputeNode) -> dict[str, float]:
        """Capacity as Watcher computes it less what the instances use; negative when the
        node is overcommitted beyond its allocation ratios."""
        return _free(node, self.get_node_used_resources(node))

    # ---------------------------------------------------------------- instances

    def get_all_instances(self) -> dict[str, Instance]:
        rows = self.query("client/instances")
        return {row["instance"]["uuid"]: Instance.from_graph(row["instance"], row["hostname"])
                for row in rows}

    def get_instance_by_uuid(self, uuid: str) -> Instance:
        row = self._one("client/instance_by_uuid", uuid=uuid)
        if row is None:
            raise InstanceNotFound(uuid)
        return Instance.from_graph(row["instance"], row["hostname"])

    def get_node_by_instance_uuid(self, instance_uuid: str) -> ComputeNode:
        row = self._one("client/instance_by_uuid", uuid=instance_uuid)
        if row is None:
            raise InstanceNotFound(instance_uuid)
        if row["node"] is None:
            raise InstanceNotMapped(instance_uuid)
        return ComputeNode.from_graph(row["node"])

    # ---------------------------------------------------------------- whole model

    def snapshot(self) -> Snapshot:
        """The whole model as of one moment: one read transaction, two queries."""

        def work(tx: neo4j.ManagedTransaction) -> Snapshot:
            nodes = [
                ComputeNode.from_graph(record["node"])
                for record in tx.run(statements.load("client/compute_nodes"))
            ]
            instances = [
                Instance.from_graph(record["instance"], record["hostname"])
                for record in tx.run(statements.load("client/instances"))
            ]
            return Snapshot(nodes, instances)

        return self._read(work)

    def watcher_model(self) -> ModelRoot:
        """A Watcher ``ModelRoot`` of the whole model (needs the ``watcher`` extra)."""
        return self.snapshot().to_watcher_model()


class Snapshot:
    """The model in memory, answering GraphClient's API; a strategy may change it
    (``migrate_instance``, ``update_node``) without touching the graph."""

    def __init__(self, nodes: Iterable[ComputeNode], instances: Iterable[Instance]) -> None:
        self._nodes: dict[str, ComputeNode] = {node.uuid: node for node in nodes}
        self._uuid_of_host = {node.hostname: node.uuid for node in self._nodes.values()}
        self._instances: dict[str, Instance] = {}
        # node uuid -> instance uuids, in the order read (by uuid)
        self._hosted: dict[str, list[str]] = {uuid: [] for uuid in self._nodes}
        for instance in instances:
            self._instances[instance.uuid] = instance
            if instance.host is not None:
                self._hosted[self._uuid_of_host[instance.host]].append(instance.uuid)

    def __deepcopy__(self, memo: dict[int, Any]) -> Snapshot:
        # The elements are frozen, so they are shared; the placement is rebuilt from them.
        return Snapshot(self._nodes.values(), self._instances.values())

    def get_all_compute_nodes(self) -> dict[str, ComputeNode]:
        return dict(self._nodes)

    def get_node_by_uuid(self, uuid: str) -> ComputeNode:
        try:
            return self._nodes[uuid]
        except KeyError:
            raise ComputeNodeNotFound(uuid) from None

    def get_node_by_name(self, name: str) -> ComputeNode:
        if name not in self._uuid_of_host:
            raise ComputeNodeNotFound(name)
        return self._nodes[self._uuid_of_host[name]]

    def get_all_instances(self) -> dict[str, Instance]:
        return dict(self._instances)

    def get_instance_by_uuid(self, uuid: str) -> Instance:
        try:
            return self._instances[uuid]
        except KeyError:
            raise InstanceNotFound(uuid) from None

    def get_node_by_instance_uuid(self, instance_uuid: str) -> ComputeNode:
        instance = self.get_instance_by_uuid(instance_uuid)
        if instance.host is None:
            raise InstanceNotMapped(instance_uuid)
        return self.get_node_by_name(instance.host)

    def get_node_instances(self, node: ComputeNode) -> list[Instance]:
        hosted = self._hosted.get(node.uuid)
        if hosted is None:
            raise ComputeNodeNotFound(node.uuid)
        return [self._instances[uuid] for uuid in hosted]

    def get_node_used_resources(self, node: ComputeNode) -> dict[str, int]:
        return _used(self.get_node_instances(node))

    def get_node_free_resources(self, node: ComputeNode) -> dict[str, float]:
        # The node as this snapshot holds it: a strategy may have changed it.
        return _free(self.get_node_by_uuid(node.uuid), self.get_node_used_resources(node))

    def migrate_instance(
        self, instance: Instance, source_node: ComputeNode, destination_node: ComputeNode
    ) -> bool:
        """Move the instance in this snapshot only; False if source is destination."""
        if source_node.uuid == destination_node.uuid:
            return False
        hosted = self._hosted.get(source_node.uuid)
        if hosted is None or instance.uuid not in hosted:
            raise InstanceNotMapped(instance.uuid)
        self.get_node_by_uuid(destination_node.uuid)
        hosted.remove(instance.uuid)
        self._hosted[destination_node.uuid].append(instance.uuid)
        self._instances[instance.uuid] = dataclasses.replace(
            self._instances[instance.uuid],
            host=destination_node.hostname,
            hypervisor_hostname=destination_node.hypervisor_hostname,
        )
        return True

    def update_node(self, node: ComputeNode) -> None:
        """Replace a node by a changed copy (``dataclasses.replace(node, status=...)``)."""
        self.get_node_by_uuid(node.uuid)
        if node.hostname != self._nodes[node.uuid].hostname:
            raise ValueError("a node's hostname is its identity in the graph: it cannot change")
        self._nodes[node.uuid] = node

    def to_watcher_model(self) -> ModelRoot:
        """A real Watcher ``ModelRoot`` holding this snapshot.

        Watcher's elements refuse None where the graph may have nothing yet: a node's unknown
        status and state read as ``"unknown"`` (neither enabled nor up, so strategies do not
        pick it), an instance's missing name and state as ``""``.
        """
        try:
            from watcher.decision_engine.model import element, model_root
        except ImportError as error:
            raise RuntimeError(
                "python-watcher is not installed: pip install 'cdm-graph[watcher]'"
            ) from error

        model = model_root.ModelRoot()
        for node in self._nodes.values():
            model.add_node(
                element.ComputeNode(
                    uuid=node.uuid,
                    hostname=node.hostname,
                    status=node.status or "unknown",
                    state=node.state or "unknown",
                    disabled_reason=node.disabled_reason,
                    **{name: getattr(node, name) for name in CAPACITY_FIELDS},
                )
            )
        for instance in self._instances.values():
            attributes: dict[str, Any] = {
                "uuid": instance.uuid,
                "name": instance.name or "",
                "state": instance.state or "",
                "memory": instance.memory,
                "disk": instance.disk,
                "vcpus": instance.vcpus,
                "metadata": dict(instance.metadata),
                "locked": instance.locked,
                "flavor_extra_specs": dict(instance.flavor_extra_specs),
                "watcher_exclude": instance.watcher_exclude,
            }
            # Fields Watcher declares non-nullable: left unset rather than set to None.
            optional = {
                "project_id": instance.project_id,
                "host": instance.host,
                "hypervisor_hostname": instance.hypervisor_hostname,
                "created": instance.created,
            }
            attributes.update((key, value) for key, value in optional.items() if value)
            watcher_instance = element.Instance(**attributes)
            model.add_instance(watcher_instance)
        for node_uuid, hosted in self._hosted.items():
            for instance_uuid in hosted:
                model.map_instance(instance_uuid, node_uuid)
        return model
