"""The aggregate family: ``aggregate.*`` (``AggregatePayload`` 1.0 and 1.1), and the
availability zones derived from aggregates.

Every aggregate event carries the whole aggregate, its host list included, so the newest
event describes it whole: ``(:Aggregate {uuid})`` with its id, name, metadata (sorted
``key=value``), ``availability_zone`` (the metadata's, or null) and ``hosts``, and one
``(:Aggregate)-[:CONTAINS]->(:ComputeNode)`` per host of that event. A host no service event
has described becomes a stub, as instance events make them, and stays one while an
aggregate contains it. A deletion leaves a tombstone, as for instances.

Membership under a compute node's deletion, a rule of the two maxima only, so any order of
arrival gives the same graph: the aggregate contains host ``h`` if ``h`` is in the host list
of the aggregate's newest event ``E`` and ``E`` is newer than ``h``'s newest deletion (none:
always). A compute node's deletion drops the edges older events drew (Nova takes a deleted
service's host out of its aggregates without an aggregate event); an aggregate event newer
than the deletion names the host back, as a stub until a service event describes it.

Availability zones: ``(:AvailabilityZone {name})-[:CONTAINS]->(:ComputeNode)``. A compute
node's zones are the ``availability_zone`` values of the aggregates containing it, or the
default zone (``[graph] default_availability_zone``) when none has one; a zone nothing is in
is removed. The zones are derived from the graph as the batch wrote it, in one step after
every family's writes and cleanup (``settle_zones``), for the hosts whose membership or
whose aggregates' zone changed, the compute nodes the batch's lock created and the stubs
going away. A batch locks only the hosts whose membership or zone its aggregates may change
(``hosts_in_play``), which are all that step and ``resolve`` touch: whoever changes a host's
aggregates or their zone holds the host's lock. Zones are locked there, last of all the
batch's locks, in one statement sorted by name: whoever holds a compute node's lock holds
its aggregates' zones steady, so that step reads them safely, and nothing takes a lock after
it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import neo4j

from cdm_graph import gateway
from cdm_graph.decode import Fields, checked, described, element_key
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
    listed,
    notified,
)
from cdm_graph.families.compute_node import NAME as COMPUTE_NODE
from cdm_graph.families.compute_node import HostResolution, remove_empty_stubs
from cdm_graph.plan.clock import Stamp, after, encoded, latest
from cdm_graph.schema import ElementSchema, Kind
from cdm_graph.schema.aggregate import AGGREGATE, DESCRIPTION_FIELDS, ZONE_KEY
from cdm_graph.transport.envelope import Envelope, Rejected

NAME = "aggregate"
CYPHER = f"batch/{NAME}"
# The event type a reconcile's facts carry.
LISTED = "reconcile"

_UPSERT = Rule(NAME, Action.UPSERT)
_CACHE_IMAGES = Rule(
    NAME, Action.SKIP,
    reason="Nova caches images on the aggregate's hosts; the aggregate does not change",
)

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        # Each carries the whole aggregate, its host list included: the newest one decides.
        "aggregate.create.end": _UPSERT,
        "aggregate.add_host.end": _UPSERT,
        "aggregate.remove_host.end": _UPSERT,
        "aggregate.update_metadata.end": _UPSERT,
        "aggregate.update_prop.end": _UPSERT,
        # Remove the aggregate (its memberships and, through them, its zone).
        "aggregate.delete.end": Rule(NAME, Action.DELETE),
        # Progress of `nova aggregate-cache-images`, in an AggregateCachePayload.
        "aggregate.cache_images.start": _CACHE_IMAGES,
        "aggregate.cache_images.progress": _CACHE_IMAGES,
        "aggregate.cache_images.end": _CACHE_IMAGES,
    }
)


@dataclass(frozen=True, slots=True)
class AggregateEvent:
    """An aggregate as one event (or a listing) describes it: every description field of
    the schema, ``availability_zone`` derived, ``hosts`` sorted."""

    family: ClassVar[str] = NAME
    event_type: str
    stamp: Stamp
    uuid: str
    action: Action
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.uuid

    @property
    def time(self) -> datetime:
        return self.stamp.time

    @property
    def hosts(self) -> list[str]:
        hosts: list[str] = self.properties.get("hosts") or []
        return hosts


# The newest description and deletion of one aggregate in a batch.
AggregateFold = NewestFold[AggregateEvent]


@dataclass(frozen=True, slots=True)
class StoredAggregate:
    """An aggregate as the graph holds it (a placeholder the lock made has no event_time),
    with the hosts it has a CONTAINS edge to."""

    event_time: Stamp | None = None
    availability_zone: str | None = None
    hosts: tuple[str, ...] = ()
    contains: frozenset[str] = frozenset()
    deleted_at: Stamp | None = None


def _zone(metadata: Mapping[str, str], where: str) -> str | None:
    """The availability zone an aggregate's metadata names (Nova refuses an empty one)."""
    zone = metadata.get(ZONE_KEY)
    prop = AGGREGATE["availability_zone"]
    return None if zone is None else checked(zone, where, prop.max_length, prop.form)


def decode_aggregate(envelope: Envelope, rule: Rule, data: Fields) -> AggregateEvent:
    uuid = element_key(AGGREGATE, data)
    properties = described(AGGREGATE, data)
    if properties["name"] is None:
        raise Rejected("field 'name' is missing")
    # Version 1.1 lets a new aggregate's host list be null: no host.
    properties["hosts"] = sorted(set(properties["hosts"] or ()))
    metadata = data.strings("metadata", AGGREGATE["metadata"].max_length)
    properties["availability_zone"] = _zone(metadata, f"metadata.{ZONE_KEY}")
    return AggregateEvent(
        event_type=envelope.event_type,
        stamp=notified(envelope, rule.action),
        uuid=uuid,
        action=rule.action,
        properties={name: properties[name] for name in DESCRIPTION_FIELDS},
    )


def listed_aggregates(
    aggregates: Iterable[Mapping[str, Any]], started_at: datetime
) -> list[AggregateEvent]:
    """The aggregates of ``GET /os-aggregates`` (2.41 and later: each with its ``uuid``) as
    events of a listing begun at ``started_at``; an aggregate Nova's notifications would be
    refused for (no uuid, no name, a host that is no name) is refused alike, naming it."""
    stamp = listed(started_at, Action.UPSERT)
    events = []
    for index, aggregate in enumerate(aggregates):
        fields = Fields(aggregate, f"aggregates[{index}].")
        uuid = fields.read(Kind.TEXT, "uuid", 36, AGGREGATE.key_source.form)
        if uuid is None:
            raise Rejected(f"field 'aggregates[{index}].uuid' is missing")
        properties = {
            prop.name: fields.read(prop.kind, prop.api or prop.name, prop.max_length, prop.form)
            for prop in AGGREGATE.from_api()
            if prop.name in DESCRIPTION_FIELDS and not prop.derived
        }
        if properties["name"] is None:
            raise Rejected(f"field 'aggregates[{index}].name' is missing")
        properties["hosts"] = sorted(set(properties["hosts"] or ()))
        metadata = fields.strings("metadata", AGGREGATE["metadata"].max_length)
        properties["availability_zone"] = _zone(
            metadata, f"aggregates[{index}].metadata.{ZONE_KEY}"
        )
        events.append(AggregateEvent(LISTED, stamp, uuid, Action.UPSERT, properties))
    return events


def listed_gone(uuid: str, started_at: datetime) -> AggregateEvent:
    """An aggregate a complete listing begun at ``started_at`` no longer shows."""
    return AggregateEvent(LISTED, listed(started_at, Action.DELETE), uuid, Action.DELETE)


@dataclass(slots=True)
class _State:
    """An aggregate after the batch: the stamp of what describes it, its zone, its hosts."""

    stamp: Stamp
    availability_zone: str | None
    hosts: Sequence[str]


class AggregateFamily:
    name: ClassVar[str] = NAME
    schema: ClassVar[ElementSchema] = AGGREGATE
    rules: ClassVar[Mapping[str, Rule]] = RULES
    payload_majors: ClassVar[frozenset[int]] = frozenset({1})

    def decode(self, envelope: Envelope, rule: Rule, data: Fields) -> AggregateEvent:
        return decode_aggregate(envelope, rule, data)

    def fold(self, events: Iterable[Event]) -> dict[str, AggregateFold]:
        return fold_newest(events, AggregateEvent)

    def lock_keys(self, fold: dict[str, AggregateFold]) -> Mapping[str, Iterable[str]]:
        # The hosts come from named_keys: only those whose membership or zone may change.
        return {NAME: fold.keys()}

    def named_keys(
        self, keys: Sequence[str], folds: Mapping[str, Any]
    ) -> Reading[Mapping[str, Iterable[str]]]:
        # The hosts the batch's own aggregates may change, from their stored state read
        # before any lock (read again under lock: a change in between is locked late). An
        # aggregate locked only because a compute node of the batch goes changes nothing of
        # its other hosts.
        own: dict[str, AggregateFold] = folds.get(NAME, {})
        mine = sorted(uuid for uuid in keys if uuid in own)
        return Reading.rows(
            f"{CYPHER}/read",
            lambda rows: {COMPUTE_NODE: hosts_in_play(own, stored_aggregates(rows))},
            keys=mine,
        )

    def read(
        self, keys: Sequence[str], batch: Batch
    ) -> Reading[tuple[dict[str, StoredAggregate], Mapping[str, Iterable[str]]]]:
        own: dict[str, AggregateFold] = batch.folds.get(NAME, {})

        def made(rows: Rows) -> tuple[dict[str, StoredAggregate], Mapping[str, Iterable[str]]]:
            aggregates = stored_aggregates(rows)
            return aggregates, {COMPUTE_NODE: hosts_in_play(own, aggregates)}

        return Reading.rows(f"{CYPHER}/read", made, keys=list(keys))

    def resolve(self, batch: Batch) -> None:
        folds: dict[str, AggregateFold] = batch.folds.get(NAME, {})
        stored: dict[str, StoredAggregate] = batch.stored.get(NAME) or {}
        hosts: HostResolution = batch.resolved[COMPUTE_NODE]
        locked_hosts = batch.keys.get(COMPUTE_NODE, set())
        tombstones, removals = [], []
        # One row of batch/aggregate/write per aggregate it describes or links.
        written: list[dict[str, Any]] = []
        unlink: list[str] = []
        for uuid in sorted(folds.keys() | stored.keys()):
            fold = folds.get(uuid, AggregateFold())
            current = stored.get(uuid, StoredAggregate())
            floor = latest(current.deleted_at, fold.deleted_at)
            if floor is not None and floor != current.deleted_at:
                tombstones.append({"uuid": uuid, **floor.columns("deleted_at")})
            state = _aggregate_state(fold, current, floor)
            if state is None:
                removals.append(uuid)
                # Its edges go with it.
                hosts.rezone.update(current.contains)
                hosts.stub_candidates.update(current.contains)
                continue
            properties = None
            if fold.latest is not None and state.stamp == fold.latest.stamp:
                properties = encoded(AGGREGATE, {
                    **fold.latest.properties,
                    "event_time": state.stamp,
                    "last_event": fold.latest.event_type,
                })
            # Only the locked hosts can change: the batch decides nothing of the others.
            wanted = {
                hostname for hostname in state.hosts
                if hostname in locked_hosts and after(state.stamp, hosts.floor.get(hostname))
            }
            held = current.contains & locked_hosts
            links = [{"hostname": h, "key": edge_key(uuid, h)} for h in sorted(wanted - held)]
            if properties is not None or links:
                written.append({"uuid": uuid, "properties": properties, "links": links})
            unlink.extend(edge_key(uuid, h) for h in sorted(held - wanted))
            hosts.stub_candidates.update(held - wanted)
            if state.availability_zone != current.availability_zone:
                hosts.rezone.update(wanted | current.contains)
            else:
                hosts.rezone.update(wanted ^ held)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/tombstone", rows=tombstones)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/unlink", keys=unlink)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/remove", keys=removals)
        batch.writes.add(Stage.LINK, f"{CYPHER}/write", rows=written)

    def cleanup(self, tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        settle_zones(tx, batch)


def stored_aggregates(rows: Rows) -> dict[str, StoredAggregate]:
    """The stored state of aggregates, from the rows of ``read`` (those the graph does not
    hold: none)."""
    return {
        row["uuid"]: StoredAggregate(
            event_time=Stamp.stored(row["event_time"]),
            availability_zone=row["availability_zone"],
            hosts=tuple(row["hosts"] or ()),
            contains=frozenset(row["contains"]),
            deleted_at=Stamp.stored(row["deleted_at"]),
        )
        for row in rows
    }


def hosts_in_play(
    folds: Mapping[str, AggregateFold], stored: Mapping[str, StoredAggregate]
) -> set[str]:
    """The compute nodes whose membership or zone the batch's aggregates (``folds``) may
    change, given their ``stored`` state: the hosts joining or leaving each one, or all of
    its hosts, old and new, when its zone changes or it goes. Only these need the batch to
    hold their lock: a host staying in an aggregate whose zone stays keeps its edges, and
    ``resolve`` changes nothing of a host it does not hold. A host move locks one host, not
    the hundreds an aggregate holds."""
    hosts: set[str] = set()
    for uuid, fold in folds.items():
        current = stored.get(uuid, StoredAggregate())
        state = _aggregate_state(fold, current, latest(current.deleted_at, fold.deleted_at))
        if state is None:
            hosts.update(current.contains)
        elif state.availability_zone != current.availability_zone:
            hosts.update(state.hosts, current.contains)
        else:
            hosts.update(set(state.hosts) ^ current.contains)
    return hosts


def _aggregate_state(
    fold: AggregateFold, current: StoredAggregate, floor: Stamp | None
) -> _State | None:
    """The aggregate after the batch, or None if it does not exist: its newest description
    after its newest deletion, from the batch or as stored."""
    alive = after(current.event_time, floor)
    newest = fold.latest
    if (
        newest is not None
        and after(newest.stamp, floor)
        and (not alive or after(newest.stamp, current.event_time))
    ):
        return _State(newest.stamp, newest.properties.get("availability_zone"), newest.hosts)
    if alive:
        assert current.event_time is not None
        return _State(current.event_time, current.availability_zone, current.hosts)
    return None


def edge_key(owner: str, hostname: str) -> str:
    """The key of a CONTAINS edge, unique per owner (an aggregate's uuid, a zone's name) and
    compute node: what the edges are removed by."""
    return f"{owner}:{hostname}"


def zones_wanted(
    aggregate_zones: Iterable[str | None], default_zone: str, going: bool = False
) -> set[str]:
    """A compute node's availability zones: those of the aggregates containing it, or the
    default zone when none has one (nothing for a compute node going away)."""
    if going:
        return set()
    return {zone for zone in aggregate_zones if zone is not None} or {default_zone}


def settle_zones(tx: neo4j.ManagedTransaction, batch: Batch) -> None:
    """Recomputes the zones of the hosts the batch handed over (``HostResolution.rezone``)
    and unlinks the empty stubs the compute node family's cleanup found, then removes those
    stubs and the zones left empty. Locks the zones involved last, in one sorted statement.
    Nothing to do (no statement) for a batch that created no compute node and changed no
    membership: the instance batches of a built cloud."""
    hosts: HostResolution = batch.resolved[COMPUTE_NODE]
    going = set(hosts.empty)
    keys = sorted(hosts.rezone | going)
    if not keys:
        return
    default_zone = batch.settings.default_availability_zone
    rows = gateway.rows(tx, f"{CYPHER}/read_zones", keys=keys)
    unzone: list[str] = []
    left: set[str] = set()
    zone: list[dict[str, str]] = []
    names: set[str] = set()
    for row in rows:
        hostname = row["hostname"]
        have = set(row["zones"])
        want = zones_wanted(row["aggregate_zones"], default_zone, hostname in going)
        names |= have | want
        unzone.extend(edge_key(name, hostname) for name in sorted(have - want))
        left |= have - want
        zone.extend(
            {"hostname": hostname, "zone": name, "key": edge_key(name, hostname)}
            for name in sorted(want - have)
        )
    if unzone or zone:
        # The zones' locks, then the edges drawn; then those that go (other edges).
        gateway.run(tx, f"{CYPHER}/zone", keys=sorted(names), rows=zone).consume()
        if unzone:
            gateway.run(tx, f"{CYPHER}/unzone", keys=unzone).consume()
    remove_empty_stubs(tx, hosts)
    if left:
        empty = [
            row["name"] for row in gateway.rows(tx, f"{CYPHER}/empty_zones", keys=sorted(left))
        ]
        if empty:
            gateway.run(tx, f"{CYPHER}/remove_zones", keys=empty).consume()
