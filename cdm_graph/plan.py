"""Plan: from a batch of events and what the graph holds, the writes that apply the batch.

A batch is first *folded*: for each instance and compute node, the newest event of each kind
(its description, its authoritative host, a host hint, its deletion). Folding keeps only
maxima, so the fold is the same whatever the order of the events and however often each
repeats. The fold is then *resolved* against the stored state of the same elements, by the
same rule, into plain writes: which instances and compute nodes to write whole, which to
remove, which HOSTS edges to draw. Nova's clock decides everything here, in Python, where it
is tested on its own; the Cypher in ``cypher/write`` only writes what it is given, which is
also what keeps its plans free of Eager operators.

The writer (``cdm_graph.apply``) runs, in one transaction: the locks, the reads, the writes
of ``resolve``, then the removal of the compute node stubs left empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from cdm_graph.events import (
    COMPUTE_NODE_FIELDS,
    INSTANCE_FIELDS,
    ComputeNodeEvent,
    Event,
    InstanceEvent,
)
from cdm_graph.mapping import Action, HostEvidence

# The whole state of an instance in the graph (cypher/write/upsert_instances.cypher).
PLACEMENT_FIELDS: tuple[str, ...] = (
    "host",
    "node",
    "host_since",
    "authoritative_at",
    "authoritative_host",
    "authoritative_node",
    "hinted_at",
    "hinted_host",
    "hinted_node",
)
INSTANCE_STATE: tuple[str, ...] = (*INSTANCE_FIELDS, "event_time", "last_event", *PLACEMENT_FIELDS)
# The part of a compute node that service events write (upsert_compute_nodes.cypher).
COMPUTE_NODE_STATE: tuple[str, ...] = (*COMPUTE_NODE_FIELDS, "service_event_time", "last_event")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: the name of its file under ``cypher/`` and its parameters."""

    name: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Placement:
    at: datetime
    host: str | None
    node: str | None


_Timed = TypeVar("_Timed", Placement, InstanceEvent, ComputeNodeEvent)


def _newer(current: _Timed | None, candidate: _Timed | None) -> _Timed | None:
    if candidate is None:
        return current
    if current is None or _time(candidate) > _time(current):
        return candidate
    return current


def _time(item: Placement | Event) -> datetime:
    return item.at if isinstance(item, Placement) else item.time


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def _after(moment: datetime | None, floor: datetime | None) -> bool:
    return moment is not None and (floor is None or moment > floor)


@dataclass(slots=True)
class InstanceFold:
    latest: InstanceEvent | None = None
    authoritative: Placement | None = None
    hint: Placement | None = None
    deleted_at: datetime | None = None

    def add(self, event: InstanceEvent) -> None:
        if event.action is Action.DELETE:
            self.deleted_at = _latest(self.deleted_at, event.time)
            return
        self.latest = _newer(self.latest, event)
        placement = Placement(event.time, event.host, event.node)
        if event.host_evidence is HostEvidence.AUTHORITATIVE:
            self.authoritative = _newer(self.authoritative, placement)
        # A hint without a host says nothing (an instance not scheduled yet).
        elif event.host_evidence is HostEvidence.HINT and event.host is not None:
            self.hint = _newer(self.hint, placement)


@dataclass(slots=True)
class ComputeNodeFold:
    latest: ComputeNodeEvent | None = None
    deleted_at: datetime | None = None

    def add(self, event: ComputeNodeEvent) -> None:
        if event.action is Action.DELETE:
            self.deleted_at = _latest(self.deleted_at, event.time)
        else:
            self.latest = _newer(self.latest, event)


@dataclass(slots=True)
class BatchFold:
    instances: dict[str, InstanceFold] = field(default_factory=dict)
    compute_nodes: dict[str, ComputeNodeFold] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[Event]) -> BatchFold:
        fold = cls()
        for event in events:
            if isinstance(event, InstanceEvent):
                fold.instances.setdefault(event.uuid, InstanceFold()).add(event)
            else:
                fold.compute_nodes.setdefault(event.hostname, ComputeNodeFold()).add(event)
        return fold

    @property
    def instance_keys(self) -> list[str]:
        return sorted(self.instances)

    @property
    def hostnames(self) -> list[str]:
        """Every host the batch may write: described, deleted, or where instances may land."""
        hostnames = set(self.compute_nodes)
        for instance in self.instances.values():
            for placement in (instance.authoritative, instance.hint):
                if placement is not None and placement.host is not None:
                    hostnames.add(placement.host)
        return sorted(hostnames)

    @property
    def deleted_hostnames(self) -> list[str]:
        return sorted(h for h, fold in self.compute_nodes.items() if fold.deleted_at is not None)

    def locks(self) -> list[Statement]:
        # Hosts before instances, each in sorted order: two synchronizers working on
        # overlapping batches queue behind each other rather than deadlock.
        return [
            Statement("write/lock_compute_nodes", {"keys": self.hostnames}),
            Statement("write/lock_instances", {"keys": self.instance_keys}),
        ]


@dataclass(frozen=True, slots=True)
class StoredInstance:
    """An instance as the graph holds it; a placeholder (just locked) has no event_time."""

    properties: Mapping[str, Any]
    deleted_at: datetime | None = None
    hosted_by: str | None = None
    hosted_since: datetime | None = None

    @property
    def hostnames(self) -> set[str]:
        """The hosts its stored state names: the batch may move it back to one of them."""
        names = {
            self.hosted_by,
            self.properties.get("authoritative_host"),
            self.properties.get("hinted_host"),
        }
        return {name for name in names if name is not None}


@dataclass(frozen=True, slots=True)
class StoredComputeNode:
    described: bool = False
    service_event_time: datetime | None = None
    deleted_at: datetime | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredGraph:
    """What the graph holds of the batch's elements; ``compute_nodes`` has every host the
    batch or the stored instances name (all locked, so present)."""

    instances: Mapping[str, StoredInstance]
    compute_nodes: Mapping[str, StoredComputeNode]
    # For each compute node deleted by the batch: (uuid, since) of the instances on it.
    hosted_instances: Mapping[str, list[tuple[str, datetime]]] = field(default_factory=dict)


@dataclass(slots=True)
class Writes:
    """What ``resolve`` decided, as statements; ``stub_candidates`` are the hosts that may be
    left as empty stubs once the statements have run."""

    statements: list[Statement]
    stub_candidates: list[str]


def resolve(fold: BatchFold, stored: StoredGraph) -> Writes:
    hostnames = set(fold.hostnames) | set(stored.compute_nodes)
    host_floor = {
        hostname: _latest(
            stored.compute_nodes.get(hostname, StoredComputeNode()).deleted_at,
            fold.compute_nodes[hostname].deleted_at if hostname in fold.compute_nodes else None,
        )
        for hostname in hostnames
    }
    node_tombstones, node_upserts, undescribed = [], [], []
    for hostname, node_fold in sorted(fold.compute_nodes.items()):
        node = stored.compute_nodes.get(hostname, StoredComputeNode())
        floor = host_floor[hostname]
        if node_fold.deleted_at is not None and floor != node.deleted_at:
            node_tombstones.append({"hostname": hostname, "deleted_at": floor})
        alive = _after(node.service_event_time, floor)
        latest = node_fold.latest
        if latest is not None and _after(latest.time, floor) and (
            not alive or latest.time > node.service_event_time  # type: ignore[operator]
        ):
            properties = _known_or_kept(
                latest.properties, node.properties if alive else {}, COMPUTE_NODE_FIELDS
            )
            properties.update(service_event_time=latest.time, last_event=latest.event_type)
            node_upserts.append({"hostname": hostname, "properties": properties})
        elif node.described and not alive:
            undescribed.append(hostname)

    instance_tombstones, upserts, removals, unhost, host = [], [], [], set(), []
    stub_candidates = set(hostnames)
    for uuid, instance_fold in sorted(fold.instances.items()):
        current = stored.instances.get(uuid, StoredInstance({}))
        floor = _latest(current.deleted_at, instance_fold.deleted_at)
        if instance_fold.deleted_at is not None and floor != current.deleted_at:
            instance_tombstones.append({"uuid": uuid, "deleted_at": floor})
        state = _instance_state(uuid, instance_fold, current, floor)
        if state is None:
            removals.append(uuid)
            if current.hosted_by is not None:
                stub_candidates.add(current.hosted_by)
            continue
        if any(state[key] != current.properties.get(key) for key in INSTANCE_STATE):
            upserts.append({"uuid": uuid, "properties": state})
        edge = None
        if state["host"] is not None and _after(
            state["host_since"], host_floor.get(state["host"])
        ):
            edge = (state["host"], state["host_since"])
        if edge != (current.hosted_by, current.hosted_since):
            if current.hosted_by is not None:
                unhost.add(uuid)
                stub_candidates.add(current.hosted_by)
            if edge is not None:
                host.append({"uuid": uuid, "hostname": edge[0], "since": edge[1]})

    # Instances outside the batch placed on a deleted compute node before its deletion.
    for hostname, hosted in stored.hosted_instances.items():
        for uuid, since in hosted:
            if uuid not in fold.instances and not _after(since, host_floor[hostname]):
                unhost.add(uuid)

    statements: list[Statement] = []

    def add(name: str, **parameters: Any) -> None:
        if any(parameters.values()):
            statements.append(Statement(f"write/{name}", parameters))

    add("tombstone_compute_nodes", rows=node_tombstones)
    add("tombstone_instances", rows=instance_tombstones)
    add("unhost_instances", keys=sorted(unhost))
    add("remove_instances", keys=removals)
    add("upsert_instances", rows=upserts)
    add("upsert_compute_nodes", rows=node_upserts)
    add("undescribe_compute_nodes", keys=undescribed)
    add("host_instances", rows=host)
    return Writes(statements, sorted(stub_candidates))


def _known_or_kept(
    described: Mapping[str, Any], stored: Mapping[str, Any], keys: tuple[str, ...]
) -> dict[str, Any]:
    """The event's value of each key; where the event lacks the key (the APIs a reconcile
    reads do not show every field a notification carries), the stored value."""
    return {key: described[key] if key in described else stored.get(key) for key in keys}


def _instance_state(
    uuid: str, fold: InstanceFold, current: StoredInstance, floor: datetime | None
) -> dict[str, Any] | None:
    """The instance after the batch, or None if it does not exist."""
    stored = current.properties
    stored_time = stored.get("event_time")
    alive = _after(stored_time, floor)
    latest = fold.latest if fold.latest is not None and _after(fold.latest.time, floor) else None
    if latest is not None and (not alive or latest.time > stored_time):  # type: ignore[operator]
        state = _known_or_kept(latest.properties, stored if alive else {}, INSTANCE_FIELDS)
        state.update(event_time=latest.time, last_event=latest.event_type)
    elif alive:
        state = {key: stored.get(key) for key in (*INSTANCE_FIELDS, "event_time", "last_event")}
    else:
        return None

    def surviving(prefix: str) -> Placement | None:
        at = stored.get(f"{prefix}_at") if alive else None
        if not _after(at, floor):
            return None
        return Placement(at, stored.get(f"{prefix}_host"), stored.get(f"{prefix}_node"))

    def fresh(placement: Placement | None) -> Placement | None:
        return placement if placement is not None and _after(placement.at, floor) else None

    authoritative = _newer(surviving("authoritative"), fresh(fold.authoritative))
    hint = _newer(surviving("hinted"), fresh(fold.hint))
    placement = authoritative or hint
    state.update(
        host=placement.host if placement else None,
        node=placement.node if placement else None,
        host_since=placement.at if placement else None,
        authoritative_at=authoritative.at if authoritative else None,
        authoritative_host=authoritative.host if authoritative else None,
        authoritative_node=authoritative.node if authoritative else None,
        hinted_at=hint.at if hint else None,
        hinted_host=hint.host if hint else None,
        hinted_node=hint.node if hint else None,
    )
    return state
