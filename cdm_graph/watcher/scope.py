"""Watcher's compute audit scope, resolved on the graph in Cypher, with no Nova API call.

An audit scope is the list an operator gives ``openstack optimize audit create --scope``
(Watcher's ``ComputeScope``, ``watcher/decision_engine/scope/compute.py``)::

    [{"compute": [
        {"availability_zones": [{"name": "az1"}]},          # or [{"name": "*"}]
        {"host_aggregates": [{"id": 1}, {"name": "fast"}]},  # or [{"id": "*"}]
        {"exclude": [
            {"instances": [{"uuid": "..."}]},
            {"compute_nodes": [{"name": "compute-7"}]},
            {"host_aggregates": [{"name": "gpu"}]},
            {"instance_metadata": [{"optimize": "false"}]},
            {"projects": [{"uuid": "..."}]}]}]}]

It means what it means to Watcher: the compute nodes of the named zones and aggregates (all
of them when the scope names neither), less the excluded nodes and the hosts of the excluded
aggregates; an excluded instance, or one of an excluded project (or, where the strategy's
``check_optimize_metadata`` is set, with all the excluded metadata), stays in the model
marked ``watcher_exclude``. Only the first ``compute`` entry counts, as in Watcher; ``*``
must stand alone in its list (``WildcardMixed``, Watcher's ``WildcardCharacterIsUsed``).

Watcher asks Nova for every aggregate and every service on each audit; here zones and
aggregates are the graph's (``(:AvailabilityZone)-[:CONTAINS]->(:ComputeNode)``,
``(:Aggregate)-[:CONTAINS]->(:ComputeNode)``), read by ``cypher/watcher/scope_*.cypher``.
One difference, on purpose: a name the scope excludes that the graph does not hold is
ignored, where Watcher's handler fails the audit (``ComputeNodeNotFound``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import neo4j

from cdm_graph.gateway import Gateway, run

WILDCARD = "*"


class WildcardMixed(ValueError):
    """``*`` given beside other names in one list of the scope."""

    def __init__(self, resource: str) -> None:
        super().__init__(f"the wildcard '*' must be the only entry of {resource}")
        self.resource = resource


@dataclass(frozen=True, slots=True)
class Names:
    """The zones or aggregates a rule names: every one (``*``), or these ids and names."""

    every: bool = False
    ids: tuple[int, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[Mapping[str, Any]], resource: str) -> Names:
        ids = [entry["id"] for entry in entries if "id" in entry]
        names = [entry["name"] for entry in entries if "name" in entry]
        every = False
        for values in (ids, names):
            if WILDCARD in values:
                if len(values) > 1:
                    raise WildcardMixed(resource)
                every = True
        return cls(
            every=every,
            ids=tuple(value for value in ids if value != WILDCARD),
            names=tuple(value for value in names if value != WILDCARD),
        )

    def __or__(self, other: Names) -> Names:
        return Names(self.every or other.every, self.ids + other.ids, self.names + other.names)


@dataclass(frozen=True, slots=True)
class ComputeScope:
    """A compute audit scope, read (``ComputeScope.of``) and ready for the graph's Cypher."""

    zones: Names | None = None  # None: the scope names no zone
    aggregates: Names | None = None  # None: the scope names no aggregate
    excluded_nodes: tuple[str, ...] = ()
    excluded_aggregates: Names = field(default_factory=Names)
    excluded_instances: tuple[str, ...] = ()
    excluded_projects: tuple[str, ...] = ()
    excluded_metadata: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, audit_scope: Sequence[Mapping[str, Any]] | None) -> ComputeScope:
        rules: Sequence[Mapping[str, Any]] = next(
            (entry["compute"] for entry in audit_scope or () if entry.get("compute")), []
        )
        zones: Names | None = None
        aggregates: Names | None = None
        excluded: dict[str, list[Any]] = {}
        excluded_aggregates = Names()
        for rule in rules:
            if "host_aggregates" in rule:
                named = Names.of(rule["host_aggregates"], "host aggregates")
                aggregates = named if aggregates is None else aggregates | named
            elif "availability_zones" in rule:
                named = Names.of(rule["availability_zones"], "availability zones")
                zones = named if zones is None else zones | named
            elif "exclude" in rule:
                for resource in rule["exclude"]:
                    for kind, entries in resource.items():
                        if kind == "host_aggregates":
                            excluded_aggregates |= Names.of(entries, "host aggregates")
                        else:
                            excluded.setdefault(kind, []).extend(entries)
        return cls(
            zones=zones,
            aggregates=aggregates,
            excluded_nodes=tuple(entry["name"] for entry in excluded.get("compute_nodes", [])),
            excluded_aggregates=excluded_aggregates,
            excluded_instances=tuple(entry["uuid"] for entry in excluded.get("instances", [])),
            excluded_projects=tuple(entry["uuid"] for entry in excluded.get("projects", [])),
            excluded_metadata=tuple(
                (str(key), str(value))
                for entry in excluded.get("instance_metadata", [])
                for key, value in entry.items()
            ),
        )

    def node_parameters(self) -> dict[str, Any]:
        """The parameters of ``watcher/scope_compute_nodes``."""
        zones, aggregates = self.zones or Names(), self.aggregates or Names()
        return {
            "restricted": self.zones is not None or self.aggregates is not None,
            "all_zones": zones.every,
            "zones": list(zones.names),
            "all_aggregates": aggregates.every,
            "aggregate_ids": list(aggregates.ids),
            "aggregate_names": list(aggregates.names),
            "excluded_hosts": list(self.excluded_nodes),
            "all_excluded_aggregates": self.excluded_aggregates.every,
            "excluded_aggregate_ids": list(self.excluded_aggregates.ids),
            "excluded_aggregate_names": list(self.excluded_aggregates.names),
        }

    def instance_parameters(self, hostnames: Sequence[str], by_metadata: bool) -> dict[str, Any]:
        """The parameters of ``watcher/scope_excluded_instances``."""
        metadata = self.excluded_metadata if by_metadata else ()
        return {
            "hostnames": list(hostnames),
            "uuids": list(self.excluded_instances),
            "projects": list(self.excluded_projects),
            "metadata": [{"key": key, "value": value} for key, value in metadata],
        }


@dataclass(frozen=True, slots=True)
class ResolvedScope:
    """The hostnames of the compute nodes in scope, and the uuids of the instances on them
    that the scope excludes (they stay in the model, marked ``watcher_exclude``)."""

    hostnames: frozenset[str]
    excluded_instances: frozenset[str]


def resolve(gateway: Gateway, scope: ComputeScope, by_metadata: bool = False) -> ResolvedScope:
    """The scope on the graph, in one read transaction; ``by_metadata``: exclude instances
    by metadata too (Watcher's ``check_optimize_metadata``)."""

    def work(tx: neo4j.ManagedTransaction) -> ResolvedScope:
        hostnames = [
            record["hostname"]
            for record in run(tx, "watcher/scope_compute_nodes", **scope.node_parameters())
        ]
        parameters = scope.instance_parameters(hostnames, by_metadata)
        excluded = [
            record["uuid"] for record in run(tx, "watcher/scope_excluded_instances", **parameters)
        ]
        return ResolvedScope(frozenset(hostnames), frozenset(excluded))

    return gateway.read(work)
