"""The correctness rules of the brief as a small pure-Python model over a *set* of events.

It knows nothing of batches, transactions or arrival order: the graph it computes is a
function of which events happened and when, which is what the real writer must reproduce
for any order of arrival and any repetition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cdm_graph.families.base import Action, Event, HostEvidence
from cdm_graph.families.compute_node import ComputeNodeEvent
from cdm_graph.families.instance import InstanceEvent


@dataclass(frozen=True)
class ModelInstance:
    last_event: str
    properties: dict[str, Any]
    host: str | None
    hosted_by: str | None


@dataclass(frozen=True)
class ModelComputeNode:
    described: bool
    last_event: str | None
    properties: dict[str, Any]


@dataclass(frozen=True)
class ModelGraph:
    instances: dict[str, ModelInstance]
    compute_nodes: dict[str, ModelComputeNode]


def _newest(events):
    return max(events, key=lambda event: event.time, default=None)


def _deleted_at(events):
    deletion = _newest([event for event in events if event.action is Action.DELETE])
    return deletion.time if deletion else None


def _live(events, deleted_at):
    return [
        event
        for event in events
        if event.action is Action.UPSERT and (deleted_at is None or event.time > deleted_at)
    ]


def compute(events: Iterable[Event]) -> ModelGraph:
    events = list(events)
    by_host: dict[str, list[ComputeNodeEvent]] = {}
    by_uuid: dict[str, list[InstanceEvent]] = {}
    for event in events:
        if isinstance(event, ComputeNodeEvent):
            by_host.setdefault(event.hostname, []).append(event)
        else:
            by_uuid.setdefault(event.uuid, []).append(event)

    host_deleted_at = {hostname: _deleted_at(evs) for hostname, evs in by_host.items()}
    compute_nodes: dict[str, ModelComputeNode] = {}
    for hostname, host_events in by_host.items():
        latest = _newest(_live(host_events, host_deleted_at[hostname]))
        if latest is not None:
            compute_nodes[hostname] = ModelComputeNode(
                True, latest.event_type, dict(latest.properties)
            )

    instances: dict[str, ModelInstance] = {}
    for uuid, instance_events in by_uuid.items():
        live = _live(instance_events, _deleted_at(instance_events))
        latest = _newest(live)
        if latest is None:
            continue
        authoritative = _newest(
            [e for e in live if e.host_evidence is HostEvidence.AUTHORITATIVE]
        )
        hint = _newest(
            [e for e in live if e.host_evidence is HostEvidence.HINT and e.host is not None]
        )
        placement = authoritative or hint
        host = placement.host if placement else None
        hosted_by = None
        if host is not None:
            host_deletion = host_deleted_at.get(host)
            if host_deletion is None or placement.time > host_deletion:
                hosted_by = host
                compute_nodes.setdefault(host, ModelComputeNode(False, None, {}))
        instances[uuid] = ModelInstance(
            latest.event_type, dict(latest.properties), host, hosted_by
        )
    return ModelGraph(instances, compute_nodes)
