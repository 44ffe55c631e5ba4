"""The compute model of a Watcher audit, read from the graph: scoped, then made a Watcher
``ModelRoot``.

``compute_model`` resolves the audit scope on the graph (``cdm_graph.watcher.scope``), reads
the whole model in one snapshot, keeps the nodes in scope and the instances they host (the
excluded ones marked ``watcher_exclude``), and builds the ``ModelRoot`` as Watcher's Nova
collector would (``cdm_graph.read.watcher``: nodes of unknown capacity are left out, with a
warning). The scope and the snapshot are two read transactions: a node that appears
between them is out of scope, and one removed between them is not in the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cdm_graph.gateway import Gateway
from cdm_graph.read.client import GraphClient
from cdm_graph.read.snapshot import Snapshot
from cdm_graph.watcher.scope import ComputeScope, ResolvedScope, resolve

if TYPE_CHECKING:
    from watcher.decision_engine.model.model_root import ModelRoot


def in_scope(snapshot: Snapshot, scope: ResolvedScope) -> Snapshot:
    """The part of ``snapshot`` in ``scope``: its nodes, the instances they host, those the
    scope excludes marked ``watcher_exclude``."""
    nodes = [
        node for node in snapshot.get_all_compute_nodes().values()
        if node.hostname in scope.hostnames
    ]
    instances = [
        dataclasses.replace(instance, watcher_exclude=instance.uuid in scope.excluded_instances)
        for node in nodes
        for instance in snapshot.get_node_instances(node)
    ]
    return Snapshot(nodes, instances)


def compute_model(
    gateway: Gateway,
    audit_scope: Sequence[Mapping[str, Any]] | None,
    by_metadata: bool = False,
) -> ModelRoot:
    """The Watcher ``ModelRoot`` of an audit with this scope (Watcher's ``audit.scope``);
    ``by_metadata``: the scope's ``instance_metadata`` excludes instances (Watcher's
    ``check_optimize_metadata``)."""
    resolved = resolve(gateway, ComputeScope.of(audit_scope), by_metadata)
    return in_scope(GraphClient(gateway).snapshot(), resolved).to_watcher_model()
