"""The stored graph a batch is resolved against, as the plan's unit tests build it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdm_graph.families.base import Event
from cdm_graph.families.compute_node import NAME as COMPUTE_NODE
from cdm_graph.families.compute_node import StoredComputeNode, StoredComputeNodes
from cdm_graph.families.instance import NAME as INSTANCE
from cdm_graph.families.instance import StoredInstance
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.plan.clock import GuardSettings, Stamp
from cdm_graph.schema import STAMP_SUFFIXES
from cdm_graph.schema.instance import INSTANCE as INSTANCE_SCHEMA
from cdm_graph.schema.instance import PLACEMENT_FIELDS


def stored_graph(
    instances: Mapping[str, StoredInstance],
    compute_nodes: Mapping[str, StoredComputeNode],
    hosted_instances: Mapping[str, list[tuple[str, Stamp]]] | None = None,
) -> dict[str, Any]:
    """Family name -> its stored state: the instances, the compute nodes, and for compute
    nodes being deleted the instances on them with the stamp of each one's placement."""
    return {
        INSTANCE: dict(instances),
        COMPUTE_NODE: StoredComputeNodes(dict(compute_nodes), dict(hosted_instances or {})),
    }


def _stamp(row: Mapping[str, Any], name: str) -> Stamp | None:
    return Stamp.stored([row[f"{name}{suffix}"] for suffix in STAMP_SUFFIXES])


@dataclass
class InstanceStore:
    """What successive batches of instance events leave, kept as the guards read it back:
    a pure stand-in for Neo4j where a plan's test needs more than one batch. Compute nodes
    are left out (the events name hosts, none is described or deleted)."""

    settings: GuardSettings = field(default_factory=GuardSettings)
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    tombstones: dict[str, Stamp] = field(default_factory=dict)
    hosts: dict[str, tuple[str, Stamp]] = field(default_factory=dict)

    def stored(self, uuid: str) -> StoredInstance:
        hosted_by, hosted_since = self.hosts.get(uuid, (None, None))
        return StoredInstance(
            dict(self.instances.get(uuid, {})), self.tombstones.get(uuid), hosted_by, hosted_since
        )

    def apply(self, events: Iterable[Event]) -> None:
        fold = BatchFold.of(events)
        uuids = fold.lock_keys()[INSTANCE]
        stored = stored_graph({uuid: self.stored(uuid) for uuid in uuids}, {})
        for statement in resolve(fold, stored, settings=self.settings).writes.statements:
            name = statement.name.removeprefix(f"batch/{INSTANCE}/")
            parameters = statement.parameters
            if name in ("unhost", "remove"):
                for uuid in parameters["keys"]:
                    self.hosts.pop(uuid, None)
                    if name == "remove":
                        self.instances.pop(uuid, None)
                for row in parameters.get("rows", ()):
                    self.tombstones[row["uuid"]] = _stamp(row, "deleted_at")
            elif name == "write":
                for row in parameters["rows"]:
                    if row["properties"] is not None:
                        written = self._decoded(row["properties"])
                        if not row["describe"]:
                            written = {key: written[key] for key in PLACEMENT_FIELDS}
                        self.instances.setdefault(row["uuid"], {}).update(written)
                    if row["hostname"] is not None:
                        self.hosts[row["uuid"]] = (row["hostname"], _stamp(row, "since"))

    def _decoded(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """A row's properties as the guards read them: each clock's columns as its stamp."""
        values = dict(properties)
        for name in INSTANCE_SCHEMA.clocks():
            if f"{name}_us" in values:
                values[name] = _stamp(values, name)
                for suffix in STAMP_SUFFIXES:
                    del values[f"{name}{suffix}"]
        return values
