"""Watcher's ``ModelRoot`` read API, written once for every model cdm-graph reads.

``ModelReader`` implements the nine methods Watcher's strategies call on a compute model
(``watcher.decision_engine.model.model_root.ModelRoot``): ``get_all_compute_nodes``,
``get_node_by_uuid``, ``get_node_by_name``, ``get_instance_by_uuid``,
``get_node_by_instance_uuid``, ``get_all_instances``, ``get_node_instances``,
``get_node_used_resources`` and ``get_node_free_resources``. Their contracts (what they
return, what they raise) live here, over seven primitives that each model provides: the live
graph (``cdm_graph.read.client.GraphClient``, one Cypher statement a primitive) and a copy in
memory (``cdm_graph.read.snapshot.Snapshot``).

Beyond Watcher's model, the same reader answers for host aggregates, availability zones,
server groups and flavors (``get_node_aggregates``, ``get_availability_zone_nodes``,
``get_instance_server_groups``, ``get_instance_flavor``, ...), over primitives of their own.

Compute nodes are keyed by uuid, as in Watcher; a node the API has not described yet answers
to its hostname as its uuid (see ``cdm_graph.read.models``).

Capacity is known, or said to be unknown: a node whose capacity no reconcile has read has
None as its capacities and as each free resource (``get_node_free_resources``), never 0 or
a negative number; what its instances use is known all the same.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable

from cdm_graph.read.models import (
    Aggregate,
    AggregateNotFound,
    AvailabilityZone,
    AvailabilityZoneNotFound,
    ComputeNode,
    ComputeNodeNotFound,
    Flavor,
    FlavorNotFound,
    Instance,
    InstanceNotFound,
    InstanceNotMapped,
    ServerGroup,
    ServerGroupNotFound,
)


def used_by(instances: Iterable[Instance]) -> dict[str, int]:
    """``{"vcpu", "memory", "disk"}`` that these instances use (MB and GB), as Watcher sums it."""
    used = {"vcpu": 0, "memory": 0, "disk": 0}
    for instance in instances:
        used["vcpu"] += instance.vcpus
        used["memory"] += instance.memory
        used["disk"] += instance.disk
    return used


class ModelReader(abc.ABC):
    """The compute model as Watcher's strategies read it; read-only.

    A subclass provides the primitives (the methods starting with an underscore, each
    answering None where the model has no such element); the public methods turn them into
    Watcher's answers and exceptions.
    """

    # ---------------------------------------------------------------- primitives

    @abc.abstractmethod
    def _every_node(self) -> Iterable[ComputeNode]:
        """Every compute node, described or known only from instance events."""

    @abc.abstractmethod
    def _every_instance(self) -> Iterable[Instance]:
        """Every instance, with a host or without."""

    @abc.abstractmethod
    def _node_by_uuid(self, uuid: str) -> ComputeNode | None:
        """The node with this uuid (a node without one: its hostname)."""

    @abc.abstractmethod
    def _node_by_name(self, hostname: str) -> ComputeNode | None:
        """The node of this nova-compute host."""

    @abc.abstractmethod
    def _instance_with_node(self, uuid: str) -> tuple[Instance, ComputeNode | None] | None:
        """The instance and the node hosting it (None: no node does)."""

    @abc.abstractmethod
    def _hosted_by(self, node: ComputeNode) -> list[Instance] | None:
        """The instances ``node`` hosts, in uuid order; None if the model can tell it holds
        no such node."""

    @abc.abstractmethod
    def _usage(self, node: ComputeNode) -> tuple[ComputeNode, dict[str, int]] | None:
        """The node whose capacity counts for ``node`` and what its instances use."""

    # ---------------------------------------------------------------- compute nodes

    def get_all_compute_nodes(self) -> dict[str, ComputeNode]:
        """Every compute node, keyed by its uuid."""
        return {node.uuid: node for node in self._every_node()}

    def get_node_by_uuid(self, uuid: str) -> ComputeNode:
        """The compute node with this uuid; one the API has not described yet answers to its
        hostname, and only then. ComputeNodeNotFound if there is none."""
        node = self._node_by_uuid(uuid)
        if node is None:
            raise ComputeNodeNotFound(uuid)
        return node

    def get_node_by_name(self, name: str) -> ComputeNode:
        """The compute node of one nova-compute host (Watcher's ``hostname``).
        ComputeNodeNotFound if there is none."""
        node = self._node_by_name(name)
        if node is None:
            raise ComputeNodeNotFound(name)
        return node

    def get_node_instances(self, node: ComputeNode) -> list[Instance]:
        """The instances ``node`` hosts, in uuid order.

        ComputeNodeNotFound for a node a snapshot does not hold; the live client reads the
        hosted instances by hostname alone and answers [] for a node the graph does not hold.
        """
        hosted = self._hosted_by(node)
        if hosted is None:
            raise ComputeNodeNotFound(node.uuid)
        return hosted

    def get_node_used_resources(self, node: ComputeNode) -> dict[str, int]:
        """``{"vcpu", "memory", "disk"}`` the node's instances use (MB and GB).
        ComputeNodeNotFound if the model holds no such node."""
        return self._usage_or_raise(node)[1]

    def get_node_free_resources(self, node: ComputeNode) -> dict[str, float | None]:
        """Capacity as Watcher computes it less what the instances use; negative when the
        node is overcommitted beyond its allocation ratios; None for a resource whose
        capacity is unknown (no reconcile has read it: ``ComputeNode.capacity_known``).

        The capacity is the node's as the model holds it: a snapshot's own copy, which a
        strategy may have changed (``Snapshot.update_node``); for the live client, ``node``
        as given, read from the graph. ComputeNodeNotFound if the model holds no such node.
        """
        held, used = self._usage_or_raise(node)
        capacities = {
            "vcpu": held.vcpu_capacity,
            "memory": held.memory_mb_capacity,
            "disk": held.disk_gb_capacity,
        }
        return {
            resource: None if total is None else total - used[resource]
            for resource, total in capacities.items()
        }

    def _usage_or_raise(self, node: ComputeNode) -> tuple[ComputeNode, dict[str, int]]:
        usage = self._usage(node)
        if usage is None:
            raise ComputeNodeNotFound(node.uuid)
        return usage

    # ---------------------------------------------------------------- instances

    def get_all_instances(self) -> dict[str, Instance]:
        """Every instance, keyed by its uuid, those without a host included."""
        return {instance.uuid: instance for instance in self._every_instance()}

    def get_instance_by_uuid(self, uuid: str) -> Instance:
        """The instance with this uuid. InstanceNotFound if there is none."""
        found = self._instance_with_node(uuid)
        if found is None:
            raise InstanceNotFound(uuid)
        return found[0]

    def get_node_by_instance_uuid(self, instance_uuid: str) -> ComputeNode:
        """The compute node hosting the instance. InstanceNotFound if there is no such
        instance, InstanceNotMapped if no node hosts it (shelved offloaded, not scheduled)."""
        found = self._instance_with_node(instance_uuid)
        if found is None:
            raise InstanceNotFound(instance_uuid)
        node = found[1]
        if node is None:
            raise InstanceNotMapped(instance_uuid)
        return node

    # ---------------------------------------------------------------- beyond Watcher's model:
    # primitives

    @abc.abstractmethod
    def _nodes_named(self, hostnames: Iterable[str]) -> list[ComputeNode]:
        """The compute nodes of these hostnames the model holds, in hostname order."""

    @abc.abstractmethod
    def _instances_with_uuids(self, uuids: Iterable[str]) -> list[Instance]:
        """The instances of these uuids the model holds, in uuid order."""

    @abc.abstractmethod
    def _every_aggregate(self) -> Iterable[Aggregate]:
        """Every host aggregate."""

    @abc.abstractmethod
    def _aggregate(self, uuid_or_name: str) -> Aggregate | None:
        """The aggregate with this uuid, else the one with this name (Nova keeps names
        unique)."""

    @abc.abstractmethod
    def _aggregates_of(self, hostname: str) -> list[Aggregate]:
        """The aggregates containing this host, by name."""

    @abc.abstractmethod
    def _every_zone(self) -> Iterable[AvailabilityZone]:
        """Every availability zone."""

    @abc.abstractmethod
    def _zone(self, name: str) -> AvailabilityZone | None:
        """The availability zone of this name."""

    @abc.abstractmethod
    def _zones_of(self, hostname: str) -> list[AvailabilityZone]:
        """The availability zones of this host, by name (one, unless aggregates disagree)."""

    @abc.abstractmethod
    def _every_server_group(self) -> Iterable[ServerGroup]:
        """Every server group."""

    @abc.abstractmethod
    def _server_group(self, uuid: str) -> ServerGroup | None:
        """The server group with this uuid."""

    @abc.abstractmethod
    def _server_groups_of(self, instance_uuid: str) -> list[ServerGroup]:
        """The server groups this instance is a member of, by name."""

    @abc.abstractmethod
    def _every_flavor(self) -> Iterable[Flavor]:
        """Every flavor, those known only as instances' flavor ids included."""

    @abc.abstractmethod
    def _flavor(self, flavorid: str) -> Flavor | None:
        """The flavor with this flavor id."""

    @abc.abstractmethod
    def _flavor_of(self, instance_uuid: str) -> Flavor | None:
        """The flavor this instance is of."""

    @abc.abstractmethod
    def _instances_of_flavor(self, flavorid: str) -> list[Instance]:
        """The instances of this flavor, in uuid order."""

    # ---------------------------------------------------------------- host aggregates

    def get_all_aggregates(self) -> dict[str, Aggregate]:
        """Every host aggregate, keyed by its uuid."""
        return {aggregate.uuid: aggregate for aggregate in self._every_aggregate()}

    def get_aggregate(self, uuid_or_name: str) -> Aggregate:
        """The aggregate with this uuid or name. AggregateNotFound if there is none."""
        aggregate = self._aggregate(uuid_or_name)
        if aggregate is None:
            raise AggregateNotFound(uuid_or_name)
        return aggregate

    def get_aggregate_nodes(self, aggregate: Aggregate | str) -> list[ComputeNode]:
        """The compute nodes an aggregate (or its uuid or name) contains, by hostname.
        AggregateNotFound if there is no such aggregate."""
        uuid_or_name = aggregate if isinstance(aggregate, str) else aggregate.uuid
        return self._nodes_named(self.get_aggregate(uuid_or_name).hosts)

    def get_node_aggregates(self, node: ComputeNode) -> list[Aggregate]:
        """The aggregates containing the compute node, by name."""
        return self._aggregates_of(node.hostname)

    # ---------------------------------------------------------------- availability zones

    def get_all_availability_zones(self) -> dict[str, AvailabilityZone]:
        """Every availability zone, keyed by its name."""
        return {zone.name: zone for zone in self._every_zone()}

    def get_availability_zone_nodes(self, name: str) -> list[ComputeNode]:
        """The compute nodes of an availability zone, by hostname.
        AvailabilityZoneNotFound if no compute node is in that zone."""
        zone = self._zone(name)
        if zone is None:
            raise AvailabilityZoneNotFound(name)
        return self._nodes_named(zone.hosts)

    def get_node_availability_zones(self, node: ComputeNode) -> list[AvailabilityZone]:
        """The availability zones of the compute node (one, unless its aggregates
        disagree), by name."""
        return self._zones_of(node.hostname)

    # ---------------------------------------------------------------- server groups

    def get_all_server_groups(self) -> dict[str, ServerGroup]:
        """Every server group, keyed by its uuid."""
        return {group.uuid: group for group in self._every_server_group()}

    def get_server_group(self, uuid: str) -> ServerGroup:
        """The server group with this uuid. ServerGroupNotFound if there is none."""
        group = self._server_group(uuid)
        if group is None:
            raise ServerGroupNotFound(uuid)
        return group

    def get_server_group_members(self, group: ServerGroup | str) -> list[Instance]:
        """The member instances of a server group (or its uuid) the model holds, by uuid.
        ServerGroupNotFound if there is no such group."""
        uuid = group if isinstance(group, str) else group.uuid
        return self._instances_with_uuids(self.get_server_group(uuid).members)

    def get_instance_server_groups(self, instance: Instance) -> list[ServerGroup]:
        """The server groups the instance is a member of, by name."""
        return self._server_groups_of(instance.uuid)

    # ---------------------------------------------------------------- flavors

    def get_all_flavors(self) -> dict[str, Flavor]:
        """Every flavor, keyed by its flavor id."""
        return {flavor.flavorid: flavor for flavor in self._every_flavor()}

    def get_flavor(self, flavorid: str) -> Flavor:
        """The flavor with this flavor id. FlavorNotFound if there is none."""
        flavor = self._flavor(flavorid)
        if flavor is None:
            raise FlavorNotFound(flavorid)
        return flavor

    def get_instance_flavor(self, instance: Instance) -> Flavor:
        """The flavor the instance is of (described, or known only by its id).
        FlavorNotFound if the model links it to none."""
        flavor = self._flavor_of(instance.uuid)
        if flavor is None:
            raise FlavorNotFound(None, instance_uuid=instance.uuid)
        return flavor

    def get_flavor_instances(self, flavor: Flavor | str) -> list[Instance]:
        """The instances of a flavor (or its flavor id), by uuid."""
        return self._instances_of_flavor(flavor if isinstance(flavor, str) else flavor.flavorid)
