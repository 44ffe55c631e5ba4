"""A real Watcher ``ModelRoot`` from a model cdm-graph read, so that Watcher's strategies run
on it unchanged.

python-watcher is an optional dependency (the ``watcher`` extra): it is imported when a model
is built, never when cdm-graph is.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cdm_graph.read.models import CAPACITY_FIELDS, ComputeNode, Instance

if TYPE_CHECKING:
    from watcher.decision_engine.model.model_root import ModelRoot

    from cdm_graph.read.protocol import ModelReader

LOG = logging.getLogger(__name__)


def to_watcher_model(model: ModelReader) -> ModelRoot:
    """A Watcher ``ModelRoot`` as Watcher's own Nova collector builds one: every compute node
    of known capacity, the instances each hosts, and their placement.

    It reads ``model`` through the read API, a call per compute node for the placement: give
    it a ``Snapshot`` (``GraphClient.watcher_model()`` does), not the live client.

    A node whose capacity no reconcile has read yet (``ComputeNode.capacity_known`` false:
    never reconciled, or known only from instance events) is left out, with its instances,
    and a warning names it: a strategy would otherwise see a host with no room, or place work
    on a capacity it made up. Instances without a host are not in the model either, as in
    Watcher's collector (it lists instances host by host).

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

    root = model_root.ModelRoot()
    nodes = model.get_all_compute_nodes()
    unknown = sorted(node.hostname for node in nodes.values() if not node.capacity_known)
    if unknown:
        LOG.warning(
            "left out of the Watcher model, capacity unknown (run `cdm-graph reconcile`): %s",
            ", ".join(unknown),
        )
    known = [node for node in nodes.values() if node.capacity_known]
    for node in known:
        root.add_node(
            element.ComputeNode(
                uuid=node.uuid,
                hostname=node.hostname,
                status=node.status or "unknown",
                state=node.state or "unknown",
                disabled_reason=node.disabled_reason,
                **_capacity_attributes(node),
            )
        )
    for node in known:
        for instance in model.get_node_instances(node):
            root.add_instance(element.Instance(**_instance_attributes(instance)))
            root.map_instance(instance.uuid, node.uuid)
    return root


def _capacity_attributes(node: ComputeNode) -> dict[str, Any]:
    """A node of known capacity's totals, reserved amounts and ratios, under Watcher's
    names; a reserved amount or ratio the graph lacks reads as Watcher's own default
    (nothing reserved, no overcommit)."""
    attributes: dict[str, Any] = {name: getattr(node, name) for name in CAPACITY_FIELDS}
    for name, value in attributes.items():
        if value is None:
            attributes[name] = 1.0 if name.endswith("_ratio") else 0
    return attributes


def _instance_attributes(instance: Instance) -> dict[str, Any]:
    """The fields of a Watcher ``Instance`` for one of ours."""
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
    return attributes
