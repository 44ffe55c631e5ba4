"""The flavor family: ``flavor.create``, ``flavor.update`` and ``flavor.delete``
(``FlavorPayload`` 1.0 to 1.4; ``cdm_graph.schema.flavor`` says which version added what).

A flavor is what its newest description says, if that is newer than its newest deletion.
``flavor.delete`` leaves a tombstone (an older event cannot bring the flavor back, a newer
one can) and *undescribes* the flavor: instances built with it still name it, so it stays
as a stub (``described`` false, nothing but its key) while an ``OF_FLAVOR`` edge reaches it,
and goes with the last one. The edges are the instance family's: an instance points at the
flavor its own newest description names, whatever became of the flavor, so a flavor event
never locks an instance. A flavor id instances name that no flavor event described is a
stub too, created by the instance batch's lock. Every rule is a function of the newest
description and the newest deletion only, so the graph is the same in any order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import neo4j

from cdm_graph import gateway
from cdm_graph.decode import Fields, described, element_key, key_value_pairs
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
    listed,
    notified,
    read_lacking,
)
from cdm_graph.plan.clock import Stamp, after, encoded, latest
from cdm_graph.schema import ElementSchema, Role
from cdm_graph.schema.flavor import DESCRIPTION_FIELDS, FLAVOR
from cdm_graph.transport.envelope import Envelope

NAME = "flavor"
CYPHER = f"batch/{NAME}"
# The event type of a flavor a reconcile lists.
RECONCILE = "reconcile"

_UPSERT = Rule(NAME, Action.UPSERT)
_REMOVE = Rule(NAME, Action.DELETE)

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        # Describe the flavor. Nova sends flavor.update when a flavor's extra specs or the
        # projects it is shared with change (its sizes never do).
        "flavor.create": _UPSERT,
        "flavor.update": _UPSERT,
        # Undescribe it: instances built with it keep naming it.
        "flavor.delete": _REMOVE,
    }
)


@dataclass(frozen=True, slots=True)
class FlavorEvent:
    """A flavor as one event describes it; ``properties`` has every description field of
    the schema (None where the payload has no value). A reconcile's event lacks the keys its
    API does not show (``vcpu_weight``): the graph keeps what it holds for those."""

    family: ClassVar[str] = NAME
    event_type: str
    stamp: Stamp
    flavorid: str
    action: Action
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.flavorid

    @property
    def time(self) -> datetime:
        return self.stamp.time


# The newest description and deletion of one flavor in a batch.
FlavorFold = NewestFold[FlavorEvent]


@dataclass(frozen=True, slots=True)
class StoredFlavor:
    """A flavor as the graph holds it; a stub (or a placeholder the lock made) has no
    event_time."""

    described: bool = False
    event_time: Stamp | None = None
    deleted_at: Stamp | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FlavorResolution:
    """The flavors that may be left as empty stubs once the writes have run: every flavor
    the batch locked (the lock creates a missing one as a stub), less those its flavor events
    leave described and those the instance family proves kept (an edge drawn to it, or
    described and not changed by the batch)."""

    stub_candidates: set[str]


class FlavorFamily:
    name: ClassVar[str] = NAME
    schema: ClassVar[ElementSchema] = FLAVOR
    rules: ClassVar[Mapping[str, Rule]] = RULES
    payload_majors: ClassVar[frozenset[int]] = frozenset({1})

    def decode(self, envelope: Envelope, rule: Rule, data: Fields) -> FlavorEvent:
        return FlavorEvent(
            event_type=envelope.event_type,
            stamp=notified(envelope, rule.action),
            flavorid=element_key(FLAVOR, data),
            action=rule.action,
            properties=described(FLAVOR, data),
        )

    def fold(self, events: Iterable[Event]) -> dict[str, FlavorFold]:
        return fold_newest(events, FlavorEvent)

    def lock_keys(self, fold: dict[str, FlavorFold]) -> Mapping[str, Iterable[str]]:
        return {NAME: fold.keys()}

    def named_keys(
        self, keys: Sequence[str], folds: Mapping[str, Any]
    ) -> Reading[Mapping[str, Iterable[str]]]:
        # A flavor names nothing: its edges are its instances', which a flavor event leaves.
        return Reading.nothing({})

    def read(
        self, keys: Sequence[str], batch: Batch
    ) -> Reading[tuple[dict[str, StoredFlavor], Mapping[str, Iterable[str]]]]:
        fold: dict[str, FlavorFold] = batch.folds.get(NAME, {})
        # Only the batch's own flavors are resolved: those an instance batch locks for its
        # edges need no reading (the instance read says which of them are described).
        own = [flavorid for flavorid in keys if flavorid in fold]
        lacking = read_lacking(
            f"{CYPHER}/read_described", {
                flavorid: flavor.latest.properties
                for flavorid, flavor in fold.items()
                if flavor.latest is not None
            }, DESCRIPTION_FIELDS,
        )

        def made(
            described: dict[str, dict[str, Any]], rows: Rows
        ) -> tuple[dict[str, StoredFlavor], Mapping[str, Iterable[str]]]:
            return {
                row["flavorid"]: StoredFlavor(
                    described=bool(row["described"]),
                    event_time=Stamp.stored(row["event_time"]),
                    deleted_at=Stamp.stored(row["deleted_at"]),
                    properties=described.get(row["flavorid"], {}),
                )
                for row in rows
            }, {}

        return lacking.join(Reading.rows(f"{CYPHER}/read", list, keys=own), made)

    def resolve(self, batch: Batch) -> None:
        fold: dict[str, FlavorFold] = batch.folds.get(NAME, {})
        stored: dict[str, StoredFlavor] = batch.stored.get(NAME) or {}
        tombstones, upserts, undescribed = [], [], []
        # The batch's own flavors described once it is written: no empty stub among them.
        described_after: set[str] = set()
        for flavorid, flavor_fold in sorted(fold.items()):
            flavor = stored.get(flavorid, StoredFlavor())
            floor = latest(flavor.deleted_at, flavor_fold.deleted_at)
            if floor is not None and floor != flavor.deleted_at:
                tombstones.append({"flavorid": flavorid, **floor.columns("deleted_at")})
            alive = after(flavor.event_time, floor)
            newest = flavor_fold.latest
            if (
                newest is not None
                and after(newest.stamp, floor)
                and (not alive or after(newest.stamp, flavor.event_time))
            ):
                properties = known_or_kept(
                    newest.properties, flavor.properties if alive else {}, DESCRIPTION_FIELDS
                )
                properties.update(event_time=newest.stamp, last_event=newest.event_type)
                upserts.append({"flavorid": flavorid, "properties": encoded(FLAVOR, properties)})
                described_after.add(flavorid)
            elif flavor.described and not alive:
                undescribed.append(flavorid)
            elif flavor.described:
                described_after.add(flavorid)
        batch.resolved[NAME] = FlavorResolution(set(batch.keys.get(NAME, ())) - described_after)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/tombstone", rows=tombstones)
        batch.writes.add(Stage.WRITE, f"{CYPHER}/upsert", rows=upserts)
        batch.writes.add(Stage.WRITE, f"{CYPHER}/undescribe", keys=undescribed)

    def cleanup(self, tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        resolution: FlavorResolution | None = batch.resolved.get(NAME)
        if resolution is None or not resolution.stub_candidates:
            # The instance hot path: a batch that locked no flavor runs nothing here.
            return
        empty = [
            row["flavorid"]
            for row in gateway.rows(
                tx, f"{CYPHER}/empty_stubs", keys=sorted(resolution.stub_candidates)
            )
        ]
        if empty:
            gateway.run(tx, f"{CYPHER}/remove", keys=empty).consume()


def flavor_properties(
    flavor: Mapping[str, Any],
    extra_specs: Mapping[str, str] | None = None,
    access: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A flavor of ``GET /flavors/detail`` as a flavor event's properties: every description
    property the schema reads from the API, ``extra_specs`` from
    ``GET /flavors/{id}/os-extra_specs`` (else the flavor's own, shown from 2.61), and
    ``projects`` from ``GET /flavors/{id}/os-flavor-access`` (a public flavor has none to
    list: [], as Nova's notifications say). What is not shown is left out, so that the graph
    keeps what notifications wrote: ``vcpu_weight`` always, ``projects`` of a private flavor
    whose access list was not read."""
    properties: dict[str, Any] = {}
    for prop in FLAVOR.from_api():
        if prop.role is not Role.DESCRIPTION or prop.api is None:
            continue
        value = flavor.get(prop.api)
        if prop.name == "swap":
            # Before microversion 2.75 a flavor without swap shows "".
            value = 0 if value in (None, "") else int(value)
        properties[prop.name] = value
    specs = extra_specs if extra_specs is not None else flavor.get("extra_specs")
    properties["extra_specs"] = key_value_pairs(specs or {})
    if flavor.get("os-flavor-access:is_public"):
        properties["projects"] = []
    elif access is not None:
        properties["projects"] = sorted({str(item["tenant_id"]) for item in access})
    return properties


def listed_flavor(
    flavor: Mapping[str, Any],
    started_at: datetime,
    extra_specs: Mapping[str, str] | None = None,
    access: Iterable[Mapping[str, Any]] | None = None,
) -> FlavorEvent:
    """A reconcile's event of a flavor its listing (begun at ``started_at``) shows: see
    ``flavor_properties`` for the API documents it reads."""
    return FlavorEvent(
        event_type=RECONCILE,
        stamp=listed(started_at, Action.UPSERT),
        flavorid=str(flavor["id"]),
        action=Action.UPSERT,
        properties=flavor_properties(flavor, extra_specs, access),
    )


def listed_flavor_gone(flavorid: str, started_at: datetime) -> FlavorEvent:
    """A reconcile's event of a flavor a complete listing (begun at ``started_at``) no
    longer shows."""
    return FlavorEvent(
        event_type=RECONCILE,
        stamp=listed(started_at, Action.DELETE),
        flavorid=flavorid,
        action=Action.DELETE,
    )

