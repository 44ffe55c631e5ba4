"""Watcher's ``ModelRoot`` read API, written once for every model cdm-graph reads.

``ModelReader`` implements the nine methods Watcher's strategies call on a compute model
(``watcher.decision_engine.model.model_root.ModelRoot``): ``get_all_compute_nodes``,
``get_node_by_uuid``, ``get_node_by_name``, ``get_instance_by_uuid``,
``get_node_by_instance_uuid``, ``get_all_instances``, ``get_node_instances``,
``get_node_used_resources`` and ``get_node_free_resources``. Their contracts (what they
return, what they raise) live here, over seven primitives that each model provides: the live
graph (``cdm_graph.read.client.GraphClient``, one Cypher statement a primitive) and a copy in
memory (``cdm_graph.read.snapshot.Snapshot``).

Compute nodes are keyed by uuid, as in Watcher; a node the API has not described yet answers
to its hostname as its uuid (see ``cdm_graph.read.models``).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable

from cdm_graph.read.models import (
    ComputeNode,
    ComputeNodeNotFound,
    Instance,
    InstanceNotFound,
    InstanceNotMapped,
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

    def get_node_free_resources(self, node: ComputeNode) -> dict[str, float]:
        """Capacity as Watcher computes it less what the instances use; negative when the
        node is overcommitted beyond its allocation ratios.

        The capacity is the node's as the model holds it: a snapshot's own copy, which a
        strategy may have changed (``Snapshot.update_node``); for the live client, ``node``
        as given, read from the graph. ComputeNodeNotFound if the model holds no such node.
        """
        held, used = self._usage_or_raise(node)
        return {
            "vcpu": held.vcpu_capacity - used["vcpu"],
            "memory": held.memory_mb_capacity - used["memory"],
            "disk": held.disk_gb_capacity - used["disk"],
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
