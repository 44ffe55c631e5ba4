"""The compute node family: ``service.*`` of nova-compute services.

Only nova-compute is a compute node: ``service.*`` is emitted for every Nova binary
(``payload.binary``), and the others (conductor, scheduler, api) are skipped. Instance
families may name hosts no service event has described yet: those are locked and created
here as stubs (``described`` false), and removed again once nothing rests on them and no
aggregate contains them. A compute node's deletion (its tombstone time, the *floor*) is what
later families resolve against: the instances placed and the aggregate memberships drawn
before it go with it.

Every compute node is in an availability zone. A compute node the batch's lock created (no
zone yet) is handed to the zone step with those whose aggregates changed
(``HostResolution.rezone``); the zone step (``cdm_graph.families.aggregate``, registered
after) also removes the empty stubs this family's cleanup finds, once their zone edges are
unlinked under the zones' locks, which no statement may take before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import neo4j

from cdm_graph import gateway
from cdm_graph.decode import Fields, described, element_key
from cdm_graph.families.base import (
    Action,
    Batch,
    Event,
    NewestFold,
    Reading,
    Rows,
    Rule,
    Stage,
    fold_newest,
    known_or_kept,
    notified,
    read_lacking,
)
from cdm_graph.plan.clock import Stamp, after, encoded, latest
from cdm_graph.schema import ElementSchema
from cdm_graph.schema.compute_node import COMPUTE_NODE, DESCRIPTION_FIELDS, SERVICE_FIELDS
from cdm_graph.transport.envelope import Envelope, Skipped

NAME = "compute_node"
# The families whose elements a compute node hosts or is contained by (named, not imported:
# they register after).
INSTANCE = "instance"
AGGREGATE = "aggregate"
NOVA_COMPUTE = "nova-compute"
CYPHER = f"batch/{NAME}"

_UPSERT = Rule(NAME, Action.UPSERT)
_REMOVE = Rule(NAME, Action.DELETE)

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        # Add, update or remove the compute node (nova-compute services only).
        "service.create": _UPSERT,
        "service.update": _UPSERT,
        "service.delete": _REMOVE,
    }
)


@dataclass(frozen=True, slots=True)
class ComputeNodeEvent:
    family: ClassVar[str] = NAME
    event_type: str
    stamp: Stamp
    hostname: str
    action: Action
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.hostname

    @property
    def time(self) -> datetime:
        return self.stamp.time


# The newest description and deletion of one compute node in a batch.
ComputeNodeFold = NewestFold[ComputeNodeEvent]


@dataclass(frozen=True, slots=True)
class StoredComputeNode:
    described: bool = False
    service_event_time: Stamp | None = None
    deleted_at: Stamp | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    # In an availability zone: every compute node is, but the one the batch's lock created.
    zoned: bool = True


@dataclass(frozen=True, slots=True)
class StoredComputeNodes:
    """The locked compute nodes (all present), and for each one the batch deletes, the
    instances on it with the stamp of each one's placement there."""

    nodes: Mapping[str, StoredComputeNode] = field(default_factory=dict)
    hosted: Mapping[str, list[tuple[str, Stamp]]] = field(default_factory=dict)


@dataclass(slots=True)
class HostResolution:
    """What later families resolve against: each locked host's deletion (None: not
    deleted), the hosts that may be left as empty stubs once the writes have run, and the
    hosts whose availability zones the zone step recomputes (created by the batch's lock,
    or whose aggregates changed); after the cleanup, the empty stubs found. ``described``:
    the locked hosts still described once the writes have run, which no stub can be."""

    floor: dict[str, Stamp | None]
    stub_candidates: set[str]
    rezone: set[str] = field(default_factory=set)
    described: set[str] = field(default_factory=set)
    empty: list[str] = field(default_factory=list)


class ComputeNodeFamily:
    name: ClassVar[str] = NAME
    schema: ClassVar[ElementSchema] = COMPUTE_NODE
    rules: ClassVar[Mapping[str, Rule]] = RULES
    payload_majors: ClassVar[frozenset[int]] = frozenset({1})

    def decode(self, envelope: Envelope, rule: Rule, data: Fields) -> ComputeNodeEvent:
        binary = data.key("binary")
        if binary != NOVA_COMPUTE:
            raise Skipped(
                f"{envelope.event_type} of {binary} on {data.text('host')}: not a compute node"
            )
        hostname = element_key(COMPUTE_NODE, data)
        properties = described(COMPUTE_NODE, data)
        properties["status"] = "disabled" if data.boolean("disabled") else "enabled"
        properties["state"] = "down" if properties["forced_down"] else "up"
        return ComputeNodeEvent(
            event_type=envelope.event_type,
            stamp=notified(envelope, rule.action),
            hostname=hostname,
            action=rule.action,
            properties={name: properties[name] for name in DESCRIPTION_FIELDS},
        )

    def fold(self, events: Iterable[Event]) -> dict[str, ComputeNodeFold]:
        return fold_newest(events, ComputeNodeEvent)

    def lock_keys(self, fold: dict[str, ComputeNodeFold]) -> Mapping[str, Iterable[str]]:
        return {NAME: fold.keys()}

    def read(
        self, keys: Sequence[str], batch: Batch
    ) -> Reading[tuple[StoredComputeNodes, Mapping[str, Iterable[str]]]]:
        fold: dict[str, ComputeNodeFold] = batch.folds.get(NAME, {})
        lacking = read_lacking(
            f"{CYPHER}/read_described", {
                hostname: node.latest.properties
                for hostname, node in fold.items()
                if node.latest is not None
            }, DESCRIPTION_FIELDS,
        )

        def made(
            described: dict[str, dict[str, Any]], stored: tuple[Rows, DeletedNodes]
        ) -> tuple[StoredComputeNodes, Mapping[str, Iterable[str]]]:
            rows, (hosted, named) = stored
            nodes = {
                row["hostname"]: StoredComputeNode(
                    described=bool(row["described"]),
                    service_event_time=Stamp.stored(row["service_event_time"]),
                    deleted_at=Stamp.stored(row["deleted_at"]),
                    properties=described.get(row["hostname"], {}),
                    zoned=bool(row["zoned"]),
                )
                for row in rows
            }
            return StoredComputeNodes(nodes, hosted), named

        deleted = sorted(h for h, node in fold.items() if node.deleted_at is not None)
        state = Reading.rows(f"{CYPHER}/read", list, keys=list(keys)).join(
            read_deleted(deleted), lambda rows, on_deleted: (rows, on_deleted)
        )
        return lacking.join(state, made)

    def named_keys(
        self, keys: Sequence[str], folds: Mapping[str, Any]
    ) -> Reading[Mapping[str, Iterable[str]]]:
        # The instances on the compute nodes the batch deletes, and the aggregates containing
        # them: it may unhost the ones and drop the others' CONTAINS edges.
        fold: dict[str, ComputeNodeFold] = folds.get(NAME, {})
        deleted = [h for h in keys if h in fold and fold[h].deleted_at is not None]
        return read_deleted(deleted).then(lambda read: read[1])

    def resolve(self, batch: Batch) -> None:
        fold: dict[str, ComputeNodeFold] = batch.folds.get(NAME, {})
        stored: StoredComputeNodes = batch.stored.get(NAME) or StoredComputeNodes()
        hostnames = set(batch.keys.get(NAME, ())) | set(stored.nodes)
        floor = {
            hostname: latest(
                stored.nodes.get(hostname, StoredComputeNode()).deleted_at,
                fold[hostname].deleted_at if hostname in fold else None,
            )
            for hostname in hostnames
        }
        tombstones, upserts, undescribed = [], [], []
        # A described host no event of the batch names stays described.
        described = {
            hostname for hostname, node in stored.nodes.items()
            if node.described and hostname not in fold
        }
        for hostname, node_fold in sorted(fold.items()):
            node = stored.nodes.get(hostname, StoredComputeNode())
            deleted_at = floor[hostname]
            if deleted_at is not None and deleted_at != node.deleted_at:
                tombstones.append({"hostname": hostname, **deleted_at.columns("deleted_at")})
            alive = after(node.service_event_time, deleted_at)
            newest = node_fold.latest
            if (
                newest is not None
                and after(newest.stamp, deleted_at)
                and (not alive or after(newest.stamp, node.service_event_time))
            ):
                properties = known_or_kept(
                    newest.properties, node.properties if alive else {}, DESCRIPTION_FIELDS
                )
                properties.update(service_event_time=newest.stamp, last_event=newest.event_type)
                upserts.append(
                    {"hostname": hostname, "properties": encoded(COMPUTE_NODE, properties)}
                )
                described.add(hostname)
            elif node.described and not alive:
                undescribed.append(hostname)
            elif node.described:
                described.add(hostname)
        unzoned = {hostname for hostname, node in stored.nodes.items() if not node.zoned}
        batch.resolved[NAME] = HostResolution(floor, set(hostnames), unzoned, described)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/tombstone", rows=tombstones)
        batch.writes.add(Stage.WRITE, f"{CYPHER}/upsert", rows=upserts)
        batch.writes.add(Stage.WRITE, f"{CYPHER}/undescribe", keys=undescribed)

    def cleanup(self, tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        """Finds the stubs nothing holds any more; the zone step removes them
        (``remove_empty_stubs``) once it has unlinked them from their zones."""
        resolution: HostResolution = batch.resolved[NAME]
        candidates = resolution.stub_candidates - resolution.described
        if not candidates:
            # The instance hot path: the hosts an instance leaves are described.
            return
        resolution.empty = [
            row["hostname"]
            for row in gateway.rows(tx, f"{CYPHER}/empty_stubs", keys=sorted(candidates))
        ]


# What the compute nodes a batch deletes hold: hostname -> the instances on it with the
# stamp of each one's placement; and the keys they name (family name -> keys).
DeletedNodes = tuple[dict[str, list[tuple[str, Stamp]]], dict[str, set[str]]]


def read_deleted(deleted: Sequence[str]) -> Reading[DeletedNodes]:
    """What the compute nodes ``deleted`` hold, in one statement: hostname -> the instances
    on it with the stamp of each one's placement; and the keys they name: those instances,
    and the aggregates containing any of the nodes."""
    def made(rows: Rows) -> DeletedNodes:
        hosted: dict[str, list[tuple[str, Stamp]]] = {}
        named: dict[str, set[str]] = {INSTANCE: set(), AGGREGATE: set()}
        for row in rows:
            for uuid, columns in row["hosted"]:
                since = Stamp.stored(columns)
                assert since is not None
                hosted.setdefault(row["hostname"], []).append((uuid, since))
                named[INSTANCE].add(uuid)
            named[AGGREGATE].update(row["containing"])
        return hosted, named

    return Reading.rows(f"{CYPHER}/read_deleted", made, keys=list(deleted))


def remove_empty_stubs(tx: neo4j.ManagedTransaction, resolution: HostResolution) -> None:
    """Removes the stubs the cleanup found empty; called by the zone step, once no zone
    contains them (removing a node locks the nodes at the other end of its edges)."""
    if resolution.empty:
        gateway.run(tx, f"{CYPHER}/remove", keys=resolution.empty).consume()


# What upsert writes of a service; kept beside the family for the Cypher test.
WRITTEN_FIELDS: tuple[str, ...] = ("described", *SERVICE_FIELDS)
