"""The whole compute model in memory, as of one moment: what a Watcher strategy works on.

A strategy changes its own copy of the model (``migrate_instance``, a node's status) while it
decides, so ``GraphClient.snapshot()`` reads the whole model in one read transaction into a
``Snapshot``. It answers the same read API as the live client (``ModelReader``) and takes
such changes without touching the graph. ``to_watcher_model()`` builds a real Watcher
``ModelRoot`` from it (the ``watcher`` extra), on which a Watcher strategy runs unchanged.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from cdm_graph.read import watcher as watcher_adapter
from cdm_graph.read.models import (
    Aggregate,
    AvailabilityZone,
    ComputeNode,
    Flavor,
    Instance,
    InstanceNotMapped,
    ServerGroup,
)
from cdm_graph.read.protocol import ModelReader, used_by

if TYPE_CHECKING:
    from watcher.decision_engine.model.model_root import ModelRoot


@dataclass(frozen=True, slots=True)
class Groupings:
    """What a snapshot holds beyond Watcher's model: host aggregates, availability zones,
    server groups and flavors (an instance's flavor is the one of its ``flavor_id``)."""

    aggregates: tuple[Aggregate, ...] = ()
    zones: tuple[AvailabilityZone, ...] = ()
    server_groups: tuple[ServerGroup, ...] = ()
    flavors: tuple[Flavor, ...] = ()


_uuid = attrgetter("uuid")


def _by_name(elements: Iterable[Any]) -> list[Any]:
    return sorted(elements, key=lambda element: (element.name or "", getattr(element, "uuid", "")))


class Snapshot(ModelReader):
    """The model in memory, answering GraphClient's API; a strategy may change it
    (``migrate_instance``, ``update_node``) without touching the graph."""

    def __init__(
        self,
        nodes: Iterable[ComputeNode],
        instances: Iterable[Instance],
        groupings: Groupings | None = None,
    ) -> None:
        """The ``nodes`` and the ``instances``, each hosted by the node of its ``host`` (one of
        ``nodes``) or by none."""
        hosted: dict[str, tuple[ComputeNode, list[Instance]]] = {
            node.hostname: (node, []) for node in nodes
        }
        unhosted: list[Instance] = []
        for instance in sorted(instances, key=_uuid):
            if instance.host is None:
                unhosted.append(instance)
            else:
                hosted[instance.host][1].append(instance)
        self._hold(hosted.values(), unhosted, groupings)

    @classmethod
    def of_hosts(
        cls,
        hosts: Iterable[tuple[ComputeNode, list[Instance]]],
        unhosted: Iterable[Instance],
        groupings: Groupings | None = None,
    ) -> Snapshot:
        """As the client reads the model: each node with the instances it hosts, those in
        uuid order, and the instances no node hosts."""
        snapshot = cls.__new__(cls)
        snapshot._hold(hosts, unhosted, groupings)
        return snapshot

    def _hold(
        self,
        hosts: Iterable[tuple[ComputeNode, list[Instance]]],
        unhosted: Iterable[Instance],
        groupings: Groupings | None,
    ) -> None:
        self._groupings = groupings or Groupings()
        self._index_groupings(self._groupings)
        self._nodes: dict[str, ComputeNode] = {}
        self._uuid_of_host: dict[str, str] = {}
        # node uuid -> the uuids of the instances it hosts, in uuid order
        self._placement: dict[str, list[str]] = {}
        every_instance = list(unhosted)
        for node, hosted in hosts:
            self._nodes[node.uuid] = node
            self._uuid_of_host[node.hostname] = node.uuid
            self._placement[node.uuid] = [instance.uuid for instance in hosted]
            every_instance += hosted
        # In uuid order, as the live client answers.
        every_instance.sort(key=_uuid)
        self._instances: dict[str, Instance] = {
            instance.uuid: instance for instance in every_instance
        }

    def __deepcopy__(self, memo: dict[int, Any]) -> Snapshot:
        # The elements are frozen, so they are shared; the placement is rebuilt from them.
        return Snapshot(self._nodes.values(), self._instances.values(), self._groupings)

    # ---------------------------------------------------------------- the read primitives

    def _every_node(self) -> Iterable[ComputeNode]:
        return self._nodes.values()

    def _every_instance(self) -> Iterable[Instance]:
        return self._instances.values()

    def _node_by_uuid(self, uuid: str) -> ComputeNode | None:
        return self._nodes.get(uuid)

    def _node_by_name(self, hostname: str) -> ComputeNode | None:
        uuid = self._uuid_of_host.get(hostname)
        return None if uuid is None else self._nodes[uuid]

    def _instance_with_node(self, uuid: str) -> tuple[Instance, ComputeNode | None] | None:
        instance = self._instances.get(uuid)
        if instance is None:
            return None
        return instance, None if instance.host is None else self._node_by_name(instance.host)

    def _hosted_by(self, node: ComputeNode) -> list[Instance] | None:
        hosted = self._placement.get(node.uuid)
        return None if hosted is None else [self._instances[uuid] for uuid in hosted]

    def _usage(self, node: ComputeNode) -> tuple[ComputeNode, dict[str, int]] | None:
        # The node as this snapshot holds it: a strategy may have changed it.
        hosted = self._hosted_by(node)
        return None if hosted is None else (self._nodes[node.uuid], used_by(hosted))

    # ---------------------------------------------------------------- beyond Watcher's model

    def _index_groupings(self, groupings: Groupings) -> None:
        self._aggregates = {aggregate.uuid: aggregate for aggregate in groupings.aggregates}
        self._aggregate_names = {a.name: a.uuid for a in groupings.aggregates if a.name}
        self._host_aggregates: dict[str, list[Aggregate]] = defaultdict(list)
        for aggregate in _by_name(groupings.aggregates):
            for hostname in aggregate.hosts:
                self._host_aggregates[hostname].append(aggregate)
        self._zones = {zone.name: zone for zone in groupings.zones}
        self._host_zones: dict[str, list[AvailabilityZone]] = defaultdict(list)
        for zone in _by_name(groupings.zones):
            for hostname in zone.hosts:
                self._host_zones[hostname].append(zone)
        self._server_groups = {group.uuid: group for group in groupings.server_groups}
        self._member_groups: dict[str, list[ServerGroup]] = defaultdict(list)
        for group in _by_name(groupings.server_groups):
            for uuid in group.members:
                self._member_groups[uuid].append(group)
        self._flavors = {flavor.flavorid: flavor for flavor in groupings.flavors}

    def _nodes_named(self, hostnames: Iterable[str]) -> list[ComputeNode]:
        found = (self._node_by_name(hostname) for hostname in sorted(set(hostnames)))
        return [node for node in found if node is not None]

    def _instances_with_uuids(self, uuids: Iterable[str]) -> list[Instance]:
        return [self._instances[uuid] for uuid in sorted(set(uuids)) if uuid in self._instances]

    def _every_aggregate(self) -> Iterable[Aggregate]:
        return self._aggregates.values()

    def _aggregate(self, uuid_or_name: str) -> Aggregate | None:
        uuid = uuid_or_name if uuid_or_name in self._aggregates else (
            self._aggregate_names.get(uuid_or_name))
        return None if uuid is None else self._aggregates[uuid]

    def _aggregates_of(self, hostname: str) -> list[Aggregate]:
        return list(self._host_aggregates.get(hostname, ()))

    def _every_zone(self) -> Iterable[AvailabilityZone]:
        return self._zones.values()

    def _zone(self, name: str) -> AvailabilityZone | None:
        return self._zones.get(name)

    def _zones_of(self, hostname: str) -> list[AvailabilityZone]:
        return list(self._host_zones.get(hostname, ()))

    def _every_server_group(self) -> Iterable[ServerGroup]:
        return self._server_groups.values()

    def _server_group(self, uuid: str) -> ServerGroup | None:
        return self._server_groups.get(uuid)

    def _server_groups_of(self, instance_uuid: str) -> list[ServerGroup]:
        return list(self._member_groups.get(instance_uuid, ()))

    def _every_flavor(self) -> Iterable[Flavor]:
        return self._flavors.values()

    def _flavor(self, flavorid: str) -> Flavor | None:
        return self._flavors.get(flavorid)

    def _flavor_of(self, instance_uuid: str) -> Flavor | None:
        instance = self._instances.get(instance_uuid)
        if instance is None or instance.flavor_id is None:
            return None
        return self._flavors.get(instance.flavor_id)

    def _instances_of_flavor(self, flavorid: str) -> list[Instance]:
        if flavorid not in self._flavors:
            return []
        return sorted(
            (i for i in self._instances.values() if i.flavor_id == flavorid),
            key=lambda instance: instance.uuid,
        )

    # ---------------------------------------------------------------- a strategy's changes

    def migrate_instance(
        self, instance: Instance, source_node: ComputeNode, destination_node: ComputeNode
    ) -> bool:
        """Move the instance in this snapshot only; False if source is destination."""
        if source_node.uuid == destination_node.uuid:
            return False
        hosted = self._placement.get(source_node.uuid)
        if hosted is None or instance.uuid not in hosted:
            raise InstanceNotMapped(instance.uuid)
        self.get_node_by_uuid(destination_node.uuid)
        hosted.remove(instance.uuid)
        self._placement[destination_node.uuid].append(instance.uuid)
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
        """A real Watcher ``ModelRoot`` holding this snapshot (``cdm_graph.read.watcher``)."""
        return watcher_adapter.to_watcher_model(self)
