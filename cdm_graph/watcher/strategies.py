"""Watcher's own compute strategies, reading their compute model from the graph.

Watcher loads a strategy by name from the ``watcher_strategies`` entry points; cdm-graph's
``pyproject.toml`` names these, so an operator selects one as any other::

    openstack optimize audittemplate create maintenance cluster_maintaining \\
        --strategy graph_host_maintenance

A strategy reads its model through its ``compute_model`` property. Watcher's asks the
``compute`` collector (Nova's API, host by host) and resolves the audit scope with Nova API
calls; ``GraphComputeModel`` answers it from the graph instead, the scope resolved in
Cypher (``cdm_graph.watcher.model``), with the Neo4j of Watcher's ``[cdm_graph]`` options.
Everything else is Watcher's strategy, unchanged: its name with ``graph_`` before it, its
goal, its parameters, its actions (which Watcher's applier still carries out through Nova).

The strategies here are the compute strategies whose inputs the graph holds without a
metrics datasource: ``host_maintenance`` and ``node_resource_consolidation``. The others
need metrics (Gnocchi, Prometheus: ``basic_consolidation``, ``vm_workload_consolidation``,
``workload_balance``, ``workload_stabilization``, ``noisy_neighbor``,
``outlet_temperature``, ``uniform_airflow``), Cinder's storage model (``zone_migration``)
or Ironic (``saving_energy``).
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg
from oslo_log import log
from watcher.common import exception
from watcher.decision_engine.strategy.strategies import (
    host_maintenance,
    node_resource_consolidation,
)

from cdm_graph.gateway import NO_WAIT, Gateway
from cdm_graph.watcher import model, options
from cdm_graph.watcher.scope import WildcardMixed

LOG = log.getLogger(__name__)
# Where the decision engine reads its options from, as Watcher's own modules do.
CONF = cfg.CONF
options.register(CONF)

PREFIX = "graph_"


class GraphComputeModel:
    """Mixed in before a Watcher strategy: its ``compute_model`` is read from the graph.

    As Watcher's own property, it reads the model once per strategy run (an audit), gives
    the model with the audit scope applied, raises ``ClusterStateNotDefined`` when the
    scope leaves nothing and ``ClusterStateStale`` for a stale model.
    """

    _compute_model: Any
    audit_scope: Any
    config: Any

    @property
    def compute_model(self) -> Any:
        if self._compute_model is None:
            self._compute_model = self._read_compute_model()
            self._compute_model.invalidate_resource_cache()
        if not self._compute_model:
            raise exception.ClusterStateNotDefined()
        if self._compute_model.stale:
            raise exception.ClusterStateStale()
        return self._compute_model

    def _read_compute_model(self) -> Any:
        settings = options.settings(CONF)
        by_metadata = bool(getattr(self.config, "check_optimize_metadata", False))
        LOG.debug("Reading the compute model from the graph at %s", settings.uri)
        with settings.driver() as driver:
            gateway = Gateway(driver, settings.database, NO_WAIT)
            try:
                return model.compute_model(gateway, self.audit_scope, by_metadata)
            except WildcardMixed as error:
                raise exception.WildcardCharacterIsUsed(resource=error.resource) from error


class GraphHostMaintenance(GraphComputeModel, host_maintenance.HostMaintenance):  # type: ignore[misc]
    """Watcher's Host Maintenance strategy on the graph's compute model: the instances of
    ``maintenance_node`` move to ``backup_node`` if they fit there, else where Nova's
    scheduler puts them, and the node is disabled."""

    @classmethod
    def get_name(cls) -> str:
        return PREFIX + "host_maintenance"

    @classmethod
    def get_display_name(cls) -> str:
        return "Host Maintenance Strategy (cdm-graph)"

    @classmethod
    def get_translatable_display_name(cls) -> str:
        return "Host Maintenance Strategy (cdm-graph)"


class GraphNodeResourceConsolidation(
    GraphComputeModel,
    node_resource_consolidation.NodeResourceConsolidation,  # type: ignore[misc]
):
    """Watcher's Node Resource Consolidation strategy on the graph's compute model: the
    instances of lightly used nodes move to fuller ones, by the vCPUs and memory their
    flavors ask for."""

    @classmethod
    def get_name(cls) -> str:
        return PREFIX + "node_resource_consolidation"

    @classmethod
    def get_display_name(cls) -> str:
        return "Node Resource Consolidation Strategy (cdm-graph)"

    @classmethod
    def get_translatable_display_name(cls) -> str:
        return "Node Resource Consolidation Strategy (cdm-graph)"
