"""Plan: a batch of events to the ordered list of ``UNWIND $rows`` statements that apply it.

The events of one key (an instance uuid, a hostname) are folded into one row before they go
to Neo4j: for each kind of fact, the newest event of the batch. Folding keeps only maxima, so
it gives the same rows whatever the order of the events and however often each repeats; the
statements merge those maxima into what the graph holds with the same rule. That is why a
batch in one transaction gives the graph of its events applied one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cdm_graph.events import ComputeNodeEvent, Event, InstanceEvent
from cdm_graph.mapping import Action, HostEvidence


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a batch: the name of its file under ``cypher/`` and its parameters."""

    name: str
    parameters: Mapping[str, Any]
    # The hosts an instance left come back from Neo4j and join the stubs to collect.
    returns_hostnames: bool = False
    takes_hostnames: bool = False


@dataclass(slots=True)
class _Placement:
    at: datetime
    host: str | None
    node: str | None


@dataclass(slots=True)
class _InstanceFold:
    latest: InstanceEvent | None = None
    authoritative: _Placement | None = None
    hint: _Placement | None = None
    deleted_at: datetime | None = None

    def add(self, event: InstanceEvent) -> None:
        if event.action is Action.DELETE:
            self.deleted_at = _later(self.deleted_at, event.time)
            return
        if self.latest is None or event.time > self.latest.time:
            self.latest = event
        placement = _Placement(event.time, event.host, event.node)
        if event.host_evidence is HostEvidence.AUTHORITATIVE:
            self.authoritative = _newer(self.authoritative, placement)
        # A hint without a host says nothing (an instance not scheduled yet).
        elif event.host_evidence is HostEvidence.HINT and event.host is not None:
            self.hint = _newer(self.hint, placement)


@dataclass(slots=True)
class _ComputeNodeFold:
    latest: ComputeNodeEvent | None = None
    deleted_at: datetime | None = None

    def add(self, event: ComputeNodeEvent) -> None:
        if event.action is Action.DELETE:
            self.deleted_at = _later(self.deleted_at, event.time)
        elif self.latest is None or event.time > self.latest.time:
            self.latest = event


def _newer(current: _Placement | None, candidate: _Placement) -> _Placement:
    return candidate if current is None or candidate.at > current.at else current


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


@dataclass(slots=True)
class BatchPlan:
    """The statements of one batch, in the order they must run in its transaction."""

    statements: list[Statement] = field(default_factory=list)
    instance_keys: list[str] = field(default_factory=list)
    hostnames: list[str] = field(default_factory=list)


def plan_batch(events: Iterable[Event]) -> BatchPlan:
    instances: dict[str, _InstanceFold] = {}
    compute_nodes: dict[str, _ComputeNodeFold] = {}
    for event in events:
        if isinstance(event, InstanceEvent):
            instances.setdefault(event.uuid, _InstanceFold()).add(event)
        else:
            compute_nodes.setdefault(event.hostname, _ComputeNodeFold()).add(event)

    hostnames = set(compute_nodes)
    for fold in instances.values():
        for placement in (fold.authoritative, fold.hint):
            if placement is not None and placement.host is not None:
                hostnames.add(placement.host)
    plan = BatchPlan(instance_keys=sorted(instances), hostnames=sorted(hostnames))
    if not instances and not compute_nodes:
        return plan

    def add(name: str, returns: bool = False, takes: bool = False, **parameters: Any) -> None:
        plan.statements.append(Statement(f"write/{name}", parameters, returns, takes))

    # Locks first, hosts before instances, each in sorted order: two synchronizers working
    # on overlapping batches wait for each other instead of deadlocking or reading stale.
    add("lock_compute_nodes", keys=plan.hostnames)
    add("lock_instances", keys=plan.instance_keys)

    node_deletions = [
        {"hostname": hostname, "deleted_at": fold.deleted_at}
        for hostname, fold in sorted(compute_nodes.items())
        if fold.deleted_at is not None
    ]
    if node_deletions:
        add("tombstone_compute_nodes", rows=node_deletions)
        add("clear_deleted_compute_nodes", rows=node_deletions)
        add("unhost_deleted_compute_nodes", rows=node_deletions)
    node_upserts = [
        {
            "hostname": hostname,
            "event_time": fold.latest.time,
            "event_type": fold.latest.event_type,
            "properties": dict(fold.latest.properties),
        }
        for hostname, fold in sorted(compute_nodes.items())
        if fold.latest is not None
    ]
    if node_upserts:
        add("upsert_compute_nodes", rows=node_upserts)

    instance_deletions = [
        {"uuid": uuid, "deleted_at": fold.deleted_at}
        for uuid, fold in sorted(instances.items())
        if fold.deleted_at is not None
    ]
    if instance_deletions:
        add("tombstone_instances", rows=instance_deletions)
        add("remove_deleted_instances", returns=True, rows=instance_deletions)
        add("forget_deleted_placements", rows=instance_deletions)
    instance_upserts = [
        {
            "uuid": uuid,
            "event_time": fold.latest.time,
            "event_type": fold.latest.event_type,
            "properties": dict(fold.latest.properties),
        }
        for uuid, fold in sorted(instances.items())
        if fold.latest is not None
    ]
    if instance_upserts:
        add("upsert_instances", rows=instance_upserts)
    placements = [
        _placement_row(uuid, fold)
        for uuid, fold in sorted(instances.items())
        if fold.authoritative is not None or fold.hint is not None
    ]
    if placements:
        add("record_placements", rows=placements)
    add("settle_placements", keys=plan.instance_keys)
    add("unhost_moved_instances", returns=True, keys=plan.instance_keys)
    add("host_instances", keys=plan.instance_keys)
    add("remove_instance_placeholders", keys=plan.instance_keys)
    add("collect_stub_compute_nodes", takes=True, keys=plan.hostnames)
    return plan


def _placement_row(uuid: str, fold: _InstanceFold) -> dict[str, Any]:
    authoritative, hint = fold.authoritative, fold.hint
    return {
        "uuid": uuid,
        "authoritative_at": authoritative.at if authoritative else None,
        "authoritative_host": authoritative.host if authoritative else None,
        "authoritative_node": authoritative.node if authoritative else None,
        "hinted_at": hint.at if hint else None,
        "hinted_host": hint.host if hint else None,
        "hinted_node": hint.node if hint else None,
    }
