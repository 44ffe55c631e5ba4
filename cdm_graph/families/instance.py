"""The instance family: ``instance.*``, whose payloads carry the whole instance
(``InstancePayload`` and its subclasses, 1.x; ``InstanceUpdatePayload`` went to 2.x).

How far each event's ``host`` can be trusted (``cdm_graph.mapping`` explains the three
kinds) decides the ``HOSTS`` edge: the newest authoritative placement wins, unless a hint is
newer than it by more than ``[graph] hint_margin`` (``placed``); a hint places an instance no
authoritative event has placed yet; a stale host is never used. A deletion
leaves a tombstone, so that an older event cannot bring the instance back and a newer one
(``instance.restore.end`` after ``instance.soft_delete.end``) can.

An instance is ``OF_FLAVOR`` the flavor its description's ``flavor_id`` names (a stub flavor
if no flavor event described it), whatever became of the flavor since. The batch locks a
flavor only where that edge may change: a new instance, a removed one, a changed
``flavor_id`` (a resize), told by the stored ``flavor_id`` read with the stored hosts before
any lock (``flavor_keys``). An ``instance.update`` that changes nothing of the flavor takes no
flavor lock and runs no statement more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import neo4j

from cdm_graph.decode import Fields, described, element_key, value_of
from cdm_graph.families.base import (
    Action,
    Batch,
    Event,
    HostEvidence,
    Reading,
    Rows,
    Rule,
    Stage,
    known_or_kept,
    notified,
    read_lacking,
)
from cdm_graph.families.compute_node import NAME as COMPUTE_NODE
from cdm_graph.families.compute_node import HostResolution, StoredComputeNodes
from cdm_graph.families.flavor import NAME as FLAVOR
from cdm_graph.families.flavor import FlavorResolution
from cdm_graph.plan.clock import Stamp, after, encoded, latest, newer, stamp_columns
from cdm_graph.schema import ElementSchema
from cdm_graph.schema.instance import (
    DESCRIPTION_FIELDS,
    INSTANCE,
    PLACEMENT_FIELDS,
    instance_disk_gb,
)
from cdm_graph.transport.envelope import Envelope

NAME = "instance"
CYPHER = f"batch/{NAME}"
# The server group family (``server_group.NAME``), registered after this one and importing
# it: an instance batch locks the groups waiting for an instance that appears or goes.
SERVER_GROUP = "server_group"

AUTHORITATIVE, HINT, STALE = HostEvidence.AUTHORITATIVE, HostEvidence.HINT, HostEvidence.STALE


def _instance(host: HostEvidence) -> Rule:
    return Rule(NAME, Action.UPSERT, host)


_REMOVE = Rule(NAME, Action.DELETE)

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        # Add or update the instance.
        "instance.create.end": _instance(AUTHORITATIVE),
        "instance.update": _instance(AUTHORITATIVE),
        "instance.lock": _instance(HINT),
        "instance.unlock": _instance(HINT),
        "instance.pause.end": _instance(HINT),
        "instance.unpause.end": _instance(HINT),
        "instance.power_off.end": _instance(HINT),
        "instance.power_on.end": _instance(HINT),
        "instance.shutdown.end": _instance(HINT),
        "instance.suspend.end": _instance(HINT),
        "instance.resume.end": _instance(HINT),
        "instance.rescue.end": _instance(HINT),
        "instance.unrescue.end": _instance(HINT),
        "instance.restore.end": _instance(HINT),
        "instance.shelve.end": _instance(HINT),
        "instance.unshelve.end": _instance(AUTHORITATIVE),
        # After an evacuation Nova sends it with the old host.
        "instance.rebuild.end": _instance(STALE),
        "instance.resize_confirm.end": _instance(AUTHORITATIVE),
        # Sent from the source while the migration still runs: earlier than post_dest.
        "instance.live_migration_force_complete.end": _instance(HINT),
        "instance.live_migration_post_dest.end": _instance(AUTHORITATIVE),
        # Beyond Watcher's list: the events that move or unhost an instance.
        "instance.resize.end": _instance(AUTHORITATIVE),
        "instance.resize_finish.end": _instance(AUTHORITATIVE),
        "instance.resize_revert.end": _instance(AUTHORITATIVE),
        "instance.live_migration_rollback.end": _instance(AUTHORITATIVE),
        # Its host is null: the instance keeps no HOSTS edge.
        "instance.shelve_offload.end": _instance(AUTHORITATIVE),
        # Remove the instance.
        "instance.delete.end": _REMOVE,
        "instance.soft_delete.end": _REMOVE,
    }
)


@dataclass(frozen=True, slots=True)
class InstanceEvent:
    """An instance as one event describes it; ``properties`` has every description field of
    the schema (None where the payload has no value). A reconcile's event lacks the keys its
    API does not show: the graph keeps what it holds for those."""

    family: ClassVar[str] = NAME
    event_type: str
    stamp: Stamp
    uuid: str
    action: Action
    host_evidence: HostEvidence
    host: str | None = None
    node: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.uuid

    @property
    def time(self) -> datetime:
        return self.stamp.time


@dataclass(frozen=True, slots=True)
class Placement:
    stamp: Stamp
    host: str | None
    node: str | None


@dataclass(slots=True)
class InstanceFold:
    latest: InstanceEvent | None = None
    authoritative: Placement | None = None
    hint: Placement | None = None
    deleted_at: Stamp | None = None

    def add(self, event: InstanceEvent) -> None:
        if event.action is Action.DELETE:
            self.deleted_at = latest(self.deleted_at, event.stamp)
            return
        self.latest = newer(self.latest, event)
        placement = Placement(event.stamp, event.host, event.node)
        if event.host_evidence is HostEvidence.AUTHORITATIVE:
            self.authoritative = newer(self.authoritative, placement)
        # A hint without a host says nothing (an instance not scheduled yet).
        elif event.host_evidence is HostEvidence.HINT and event.host is not None:
            self.hint = newer(self.hint, placement)

    def may_appear_or_go(self, exists: bool) -> bool:
        """Whether the batch may make the instance appear (it does not exist and an event of
        the batch describes it) or go (it exists and the batch deletes it): only then may its
        HAS_MEMBER edges change, so only then are the server groups waiting for it locked."""
        return self.deleted_at is not None if exists else self.latest is not None

    @property
    def hostnames(self) -> set[str]:
        """The hosts the batch may place it on."""
        return {
            placement.host
            for placement in (self.authoritative, self.hint)
            if placement is not None and placement.host is not None
        }


@dataclass(frozen=True, slots=True)
class StoredInstance:
    """An instance as the graph holds it; a placeholder (just locked) has no event_time."""

    properties: Mapping[str, Any]
    deleted_at: Stamp | None = None
    hosted_by: str | None = None
    hosted_since: Stamp | None = None
    # The flavor its OF_FLAVOR edge reaches (its stored flavor_id; None: no edge), and
    # whether a flavor event describes it (then it is no stub its cleanup could remove).
    flavor_id: str | None = None
    flavor_described: bool = False
    # How many instances are of that flavor, itself included (exact where the batch holds the
    # flavor's lock, as it does wherever the edge may change).
    flavor_instances: int = 0
    # The server groups whose member lists name it (their ServerGroupMember pairs).
    waiting: tuple[str, ...] = ()

    @property
    def hostnames(self) -> set[str]:
        """The hosts its stored state names: the batch may move it back to one of them."""
        names = {
            self.hosted_by,
            self.properties.get("authoritative_host"),
            self.properties.get("hinted_host"),
        }
        return {name for name in names if name is not None}


def flavor_keys(fold: InstanceFold | None, stored_flavor_id: str | None) -> set[str]:
    """The flavors a batch must lock for one instance: those of an OF_FLAVOR edge it may
    remove or draw. The edge after the batch reaches the stored flavor, the newest event's,
    or none (the instance removed); so the stored flavor is locked when a deletion or a
    different flavor_id may replace it, and the newest event's when it differs. Nothing when
    the batch cannot change the edge (the hot path: an update of the same flavor)."""
    if fold is None:
        return set()
    named = fold.latest.properties if fold.latest is not None else {}
    new = named.get("flavor_id", stored_flavor_id)
    keys: set[str] = set()
    if stored_flavor_id is not None and (fold.deleted_at is not None or new != stored_flavor_id):
        keys.add(stored_flavor_id)
    if new is not None and new != stored_flavor_id:
        keys.add(new)
    return keys


# An event's properties before decoding: every description field, in the order the event
# keeps them. Copying it (a copy of a dict is made whole, in C) and setting each field in its
# place costs a tenth of building the dict field by field and then again in that order.
_UNDESCRIBED: dict[str, Any] = dict.fromkeys(DESCRIPTION_FIELDS)
# Looked up once, not at each message.
_HOST, _NODE = INSTANCE["host"], INSTANCE["node"]


def decode_instance(envelope: Envelope, rule: Rule, data: Fields) -> InstanceEvent:
    uuid = element_key(INSTANCE, data)
    # described sets every field but the derived disk_gb, set here.
    properties = described(INSTANCE, data, into=_UNDESCRIBED.copy())
    properties["disk_gb"] = instance_disk_gb(
        properties["image_uuid"],
        properties["root_gb"],
        properties["ephemeral_gb"],
        properties["swap_mb"],
    )
    return InstanceEvent(
        event_type=envelope.event_type,
        stamp=notified(envelope, rule.action),
        uuid=uuid,
        action=rule.action,
        # A deletion places nothing: its host is never used.
        host_evidence=rule.host or HostEvidence.STALE,
        host=value_of(_HOST, data),
        node=value_of(_NODE, data),
        properties=properties,
    )


class InstanceFamily:
    name: ClassVar[str] = NAME
    schema: ClassVar[ElementSchema] = INSTANCE
    rules: ClassVar[Mapping[str, Rule]] = RULES
    payload_majors: ClassVar[frozenset[int]] = frozenset({1, 2})

    def decode(self, envelope: Envelope, rule: Rule, data: Fields) -> InstanceEvent:
        return decode_instance(envelope, rule, data)

    def fold(self, events: Iterable[Event]) -> dict[str, InstanceFold]:
        folds: dict[str, InstanceFold] = {}
        for event in events:
            assert isinstance(event, InstanceEvent)
            folds.setdefault(event.uuid, InstanceFold()).add(event)
        return folds

    def lock_keys(self, fold: dict[str, InstanceFold]) -> Mapping[str, Iterable[str]]:
        hostnames: set[str] = set().union(*(instance.hostnames for instance in fold.values()))
        return {COMPUTE_NODE: hostnames, NAME: fold.keys()}

    def read(
        self, keys: Sequence[str], batch: Batch
    ) -> Reading[tuple[dict[str, StoredInstance], Mapping[str, Iterable[str]]]]:
        folds: dict[str, InstanceFold] = batch.folds.get(NAME, {})
        lacking = read_lacking(
            f"{CYPHER}/read_described", {
                uuid: fold.latest.properties
                for uuid, fold in folds.items()
                if fold.latest is not None
            }, DESCRIPTION_FIELDS,
        )

        def made(
            described: dict[str, dict[str, Any]], rows: Rows
        ) -> tuple[dict[str, StoredInstance], Mapping[str, Iterable[str]]]:
            instances = {row["uuid"]: _stored(row, described.get(row["uuid"], {})) for row in rows}
            # Hosts the stored instances name that the batch does not: an instance may fall
            # back to one (its authoritative host forgotten after a deletion) or leave one.
            named: set[str] = set().union(*(instance.hostnames for instance in instances.values()))
            flavors: set[str] = set().union(*(
                flavor_keys(folds.get(uuid), instance.flavor_id)
                for uuid, instance in instances.items()
            ))
            groups = {
                group
                for uuid, instance in instances.items()
                if uuid in folds
                and folds[uuid].may_appear_or_go(instance.properties.get("event_time") is not None)
                for group in instance.waiting
            }
            return instances, {COMPUTE_NODE: named, FLAVOR: flavors, SERVER_GROUP: groups}

        return lacking.join(Reading.rows(f"{CYPHER}/read", list, keys=list(keys)), made)

    def named_keys(
        self, keys: Sequence[str], folds: Mapping[str, Any]
    ) -> Reading[Mapping[str, Iterable[str]]]:
        fold: dict[str, InstanceFold] = folds.get(NAME, {})

        def named(rows: Rows) -> Mapping[str, Iterable[str]]:
            hostnames: set[str] = set()
            flavors: set[str] = set()
            groups: set[str] = set()
            for row in rows:
                uuid = row["uuid"]
                hostnames.update(row["hostnames"])
                # An instance not in the graph yet has no flavor: the batch draws its first
                # edge.
                flavors |= flavor_keys(fold.get(uuid), row["flavor_id"])
                if uuid in fold and fold[uuid].may_appear_or_go(row["exists"]):
                    groups.update(row["waiting"])
            return {COMPUTE_NODE: hostnames, FLAVOR: flavors, SERVER_GROUP: groups}

        return Reading.rows(f"{CYPHER}/named", named, keys=list(keys))

    def resolve(self, batch: Batch) -> None:
        folds: dict[str, InstanceFold] = batch.folds.get(NAME, {})
        stored: dict[str, StoredInstance] = batch.stored.get(NAME) or {}
        hosts: HostResolution = batch.resolved[COMPUTE_NODE]
        margin_us = batch.settings.hint_margin_us
        tombstones, removals, unhost, unflavor = [], [], set(), []
        # One row of batch/instance/write per instance it writes, in uuid order.
        written: list[dict[str, Any]] = []
        # The locked instances that exist after the batch.
        live: set[str] = set()
        for uuid, fold in sorted(folds.items()):
            current = stored.get(uuid, StoredInstance({}))
            floor = latest(current.deleted_at, fold.deleted_at)
            if floor is not None and floor != current.deleted_at:
                tombstones.append({"uuid": uuid, **floor.columns("deleted_at")})
            state = _instance_state(fold, current, floor, margin_us)
            if state is None:
                removals.append(uuid)
                if current.hosted_by is not None:
                    hosts.stub_candidates.add(current.hosted_by)
                continue
            live.add(uuid)
            row = _write_row(uuid)
            if "event_time" in state:
                row.update(describe=True, properties=encoded(INSTANCE, state))
                # Its edge follows its newest description (flavor_keys locked both ends).
                if state["flavor_id"] != current.flavor_id:
                    if current.flavor_id is not None:
                        unflavor.append(uuid)
                    row["flavorid"] = state["flavor_id"]
            elif any(state[key] != current.properties.get(key) for key in PLACEMENT_FIELDS):
                row["properties"] = encoded(INSTANCE, state)
            edge = None
            if state["host"] is not None and after(
                state["host_since"], hosts.floor.get(state["host"])
            ):
                edge = (state["host"], state["host_since"])
            if edge != (current.hosted_by, current.hosted_since):
                # Placed anew on the host it rests on, the edge stays with the newer stamp;
                # on another host, the old edge goes first.
                moved = edge is None or edge[0] != current.hosted_by
                if current.hosted_by is not None and moved:
                    unhost.add(uuid)
                    hosts.stub_candidates.add(current.hosted_by)
                if edge is not None:
                    row.update(hostname=edge[0], **edge[1].columns("since"))
            if row["describe"] or row["properties"] is not None or row["hostname"] is not None:
                written.append(row)

        # Instances locked for the batch that no event of it names and that do not exist
        # (deleted since they were looked up): the lock made them placeholders.
        for uuid, current in sorted(stored.items()):
            if uuid not in folds:
                if current.properties.get("event_time") is None:
                    removals.append(uuid)
                else:
                    live.add(uuid)
        # For the families after it (a server group links its members that are live).
        batch.resolved[NAME] = live
        # The flavors the batch locked that its writes leave reached, or that a flavor event
        # describes and the batch does not change, are no empty stubs: the flavor family's
        # cleanup need not look at them (the hot path: no flavor statement after the writes).
        flavors: FlavorResolution | None = batch.resolved.get(FLAVOR)
        if flavors is not None:
            drawn = {row["flavorid"] for row in written if row["flavorid"] is not None}
            kept = drawn | {
                current.flavor_id for current in stored.values()
                if current.flavor_described and current.flavor_id is not None
            } | still_reached(stored, set(unflavor) | set(removals))
            flavors.stub_candidates -= kept - batch.folds.get(FLAVOR, {}).keys()

        # Instances outside the batch placed on a deleted compute node before its deletion.
        nodes: StoredComputeNodes | None = batch.stored.get(COMPUTE_NODE)
        for hostname, hosted in (nodes.hosted if nodes else {}).items():
            for uuid, since in hosted:
                if uuid not in folds and not after(since, hosts.floor[hostname]):
                    unhost.add(uuid)

        batch.writes.add(Stage.FORGET, f"{CYPHER}/unhost", keys=sorted(unhost))
        batch.writes.add(Stage.FORGET, f"{CYPHER}/unflavor", keys=unflavor)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/remove", keys=removals, rows=tombstones)
        # Its description and its edges at once, where the edges are drawn: after the compute
        # nodes and flavors they reach are written, before the server groups that link it.
        batch.writes.add(Stage.LINK, f"{CYPHER}/write", rows=written)

    def cleanup(self, tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        """Nothing: removals and placeholders are resolved in the batch (the flavors they
        leave are the flavor family's cleanup)."""


def still_reached(stored: Mapping[str, StoredInstance], leaving: set[str]) -> set[str]:
    """The stored flavors some instance is still of once the instances ``leaving`` (their
    edge removed, or themselves) are gone: the edges read under the flavor's lock, less those
    that go."""
    instances: dict[str, int] = {}
    left: dict[str, int] = {}
    for uuid, current in stored.items():
        if current.flavor_id is None:
            continue
        instances[current.flavor_id] = current.flavor_instances
        if uuid in leaving:
            left[current.flavor_id] = left.get(current.flavor_id, 0) + 1
    return {flavor for flavor, count in instances.items() if count > left.get(flavor, 0)}


def _write_row(uuid: str) -> dict[str, Any]:
    """A row of batch/instance/write that writes nothing yet: every key it reads, null."""
    return {
        "uuid": uuid, "describe": False, "properties": None, "hostname": None,
        **stamp_columns("since", None), "flavorid": None,
    }


def _stored(record: Mapping[str, Any], described: Mapping[str, Any]) -> StoredInstance:
    """An instance as its guards were read (each stamp from its integers and id), with its
    stored description where it was read."""
    properties = {
        **described,
        "event_time": Stamp.stored(record["event_time"]),
        "last_event": record["last_event"],
        "host": record["host"],
        "node": record["node"],
        "host_since": Stamp.stored(record["host_since"]),
        "authoritative_at": Stamp.stored(record["authoritative_at"]),
        "authoritative_host": record["authoritative_host"],
        "authoritative_node": record["authoritative_node"],
        "hinted_at": Stamp.stored(record["hinted_at"]),
        "hinted_host": record["hinted_host"],
        "hinted_node": record["hinted_node"],
    }
    return StoredInstance(
        properties=properties,
        deleted_at=Stamp.stored(record["deleted_at"]),
        hosted_by=record["hostname"],
        hosted_since=Stamp.stored(record["since"]),
        flavor_id=record["flavor_id"],
        flavor_described=bool(record["flavor_described"]),
        flavor_instances=int(record["flavor_instances"]),
        waiting=tuple(record["waiting"]),
    )


def placed(
    authoritative: Placement | None, hint: Placement | None, margin_us: int
) -> Placement | None:
    """Where the instance is: its newest authoritative placement, unless its newest hint is
    newer by more than ``margin_us`` (see ``cdm_graph.mapping``). Every hint sent later than
    a move names the host the move went to, so such a hint heals a move whose messages were
    missed; within the margin, a source host whose clock runs a little ahead cannot undo a
    migration. A pure function of the two maxima, so the fold stays order-free."""
    if hint is None:
        return authoritative
    if authoritative is None or hint.stamp.us - authoritative.stamp.us > margin_us:
        return hint
    return authoritative


def _instance_state(
    fold: InstanceFold, current: StoredInstance, floor: Stamp | None, margin_us: int
) -> dict[str, Any] | None:
    """The instance after the batch, or None if it does not exist: its placement, and its
    description with its stamp when an event of the batch renews it."""
    stored = current.properties
    stored_time = stored.get("event_time")
    alive = after(stored_time, floor)
    newest = fold.latest if fold.latest is not None and after(fold.latest.stamp, floor) else None
    state: dict[str, Any]
    if newest is not None and (not alive or after(newest.stamp, stored_time)):
        state = known_or_kept(newest.properties, stored if alive else {}, DESCRIPTION_FIELDS)
        state.update(event_time=newest.stamp, last_event=newest.event_type)
    elif alive:
        state = {}
    else:
        return None

    def surviving(prefix: str) -> Placement | None:
        at = stored.get(f"{prefix}_at") if alive else None
        if at is None or not after(at, floor):
            return None
        return Placement(at, stored.get(f"{prefix}_host"), stored.get(f"{prefix}_node"))

    def fresh(placement: Placement | None) -> Placement | None:
        return placement if placement is not None and after(placement.stamp, floor) else None

    authoritative = newer(surviving("authoritative"), fresh(fold.authoritative))
    hint = newer(surviving("hinted"), fresh(fold.hint))
    placement = placed(authoritative, hint, margin_us)
    state.update(
        host=placement.host if placement else None,
        node=placement.node if placement else None,
        host_since=placement.stamp if placement else None,
        authoritative_at=authoritative.stamp if authoritative else None,
        authoritative_host=authoritative.host if authoritative else None,
        authoritative_node=authoritative.node if authoritative else None,
        hinted_at=hint.stamp if hint else None,
        hinted_host=hint.host if hint else None,
        hinted_node=hint.node if hint else None,
    )
    return state
