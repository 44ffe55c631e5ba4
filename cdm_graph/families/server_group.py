"""The server group family: ``server_group.*``, whose payloads carry the whole group
(``ServerGroupPayload`` 1.0 with ``policies``, 1.1 with ``policy`` and ``rules``).

A group's ``members`` is the newest event's whole list (Nova sends the list after each
``add_member``, and no remove-member event). ``(:ServerGroup)-[:HAS_MEMBER]->(:Instance)``
joins a live group to each member that is a live instance: a function of the two elements'
states only, so the same in any order of arrival. A member the graph does not know yet is
linked when its instance appears; a deleted instance leaves its groups (its edges go with it)
and comes back to them if a newer event brings it back; a group's deletion leaves a
tombstone and takes its edges.

How an instance finds the groups waiting for it: each (group, member) pair of a live group's
list is a ``(:ServerGroupMember {group, instance})`` node, indexed by instance. A group batch
locks every instance its groups name, before or after (``lock_keys``, ``named_keys``), so
every batch that changes the pairs naming an instance holds that instance's lock. An
instance batch reads the pairs of its instances with the rest of their stored state, before
any lock and again under lock (``instance.named_keys``, ``instance.read``: an index seek per
instance, in statements it runs anyway), and locks only the groups of an instance that may
appear or go (``InstanceFold.may_appear_or_go``); a pair written in between starts it again
with that group locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import neo4j

from cdm_graph.decode import Fields, checked, described, element_key, key_value_pairs
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
from cdm_graph.families.instance import NAME as INSTANCE
from cdm_graph.plan.clock import Stamp, after, encoded, latest
from cdm_graph.schema import ElementSchema, Form
from cdm_graph.schema.server_group import (
    DESCRIPTION_FIELDS,
    POLICIES,
    SERVER_GROUP,
    UUID_LENGTH,
)
from cdm_graph.transport.envelope import Envelope, Rejected

NAME = "server_group"
CYPHER = f"batch/{NAME}"
# The event type of a reconcile's facts.
RECONCILE = "reconcile"

_UPSERT = Rule(NAME, Action.UPSERT)

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        # Add or update the group.
        "server_group.create": _UPSERT,
        # Sent by nova-api with the group's whole member list after the addition.
        "server_group.add_member": _UPSERT,
        # Remove the group (its HAS_MEMBER edges go with it).
        "server_group.delete": Rule(NAME, Action.DELETE),
    }
)


@dataclass(frozen=True, slots=True)
class ServerGroupEvent:
    """A server group as one event describes it (every description field of the schema; a
    reconcile's event lacks those its API microversion does not show)."""

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
    def members(self) -> list[str]:
        members: list[str] = self.properties.get("members") or []
        return members


# The newest description and deletion of one server group in a batch.
ServerGroupFold = NewestFold[ServerGroupEvent]


@dataclass(frozen=True, slots=True)
class StoredServerGroup:
    """A group as the graph holds it (a placeholder, just locked, has no event_time): its
    member list, and the instances its HAS_MEMBER edges reach."""

    event_time: Stamp | None = None
    deleted_at: Stamp | None = None
    members: tuple[str, ...] = ()
    linked: frozenset[str] = frozenset()
    properties: Mapping[str, Any] = field(default_factory=dict)


def policy_of(policy: Any, policies: Any) -> str:
    """The group's one policy: ``policy`` (ServerGroupPayload 1.1, microversion 2.64), else
    the one entry of ``policies`` (1.0, older microversions); a policy Nova does not define
    is refused, naming the field."""
    if policy is not None:
        where = "policy"
        if not isinstance(policy, str):
            raise Rejected(f"field 'policy' must be str, got {type(policy).__name__}")
    else:
        if policies is None:
            raise Rejected("field 'policy' is missing, and so is 'policies'")
        if not isinstance(policies, list) or len(policies) != 1:
            raise Rejected(f"field 'policies' must be a list of one policy, got {policies!r}")
        policy, where = policies[0], "policies[0]"
    if policy not in POLICIES:
        raise Rejected(
            f"field {where!r} is {policy!r}, not a policy Nova defines "
            f"({', '.join(sorted(POLICIES))})"
        )
    return str(policy)


def members_of(members: list[str] | None, where: str = "members") -> list[str]:
    """A member list as the graph keeps it: sorted, each once; every member an instance's
    uuid (a member spelled otherwise could never be linked), else refused naming it."""
    if members is not None and not isinstance(members, list):
        raise Rejected(f"field {where!r} must be a list, got {type(members).__name__}")
    for member in members or ():
        if not isinstance(member, str):
            raise Rejected(f"field {where!r} must hold strings, got {type(member).__name__}")
        checked(member, where, UUID_LENGTH, Form.UUID)
    return sorted(set(members or ()))


def decode_server_group(envelope: Envelope, rule: Rule, data: Fields) -> ServerGroupEvent:
    uuid = element_key(SERVER_GROUP, data)
    properties = described(SERVER_GROUP, data)
    if properties["name"] is None:
        raise Rejected("field 'name' is missing")
    policies = data.texts("policies")
    properties["policy"] = policy_of(data.text("policy"), policies)
    properties["members"] = members_of(properties["members"])
    return ServerGroupEvent(
        event_type=envelope.event_type,
        stamp=notified(envelope, rule.action),
        uuid=uuid,
        action=rule.action,
        properties={name: properties[name] for name in DESCRIPTION_FIELDS},
    )


def server_group_properties(group: Mapping[str, Any]) -> dict[str, Any]:
    """A group of ``GET /os-server-groups?all_projects=True`` as a group event's properties:
    ``policy`` and ``rules`` from microversion 2.64, ``policies`` before it (where ``rules``
    is not shown: it is left out, so that the graph keeps what notifications wrote)."""
    name = group.get("name")
    if not isinstance(name, str) or not name:
        raise Rejected("field 'name' is missing")
    properties: dict[str, Any] = {
        "name": name,
        "project_id": group.get("project_id"),
        "user_id": group.get("user_id"),
        "policy": policy_of(group.get("policy"), group.get("policies")),
        "members": members_of(group.get("members")),
    }
    if "rules" in group:
        rules = group["rules"] or {}
        if not isinstance(rules, Mapping) or not all(
            isinstance(value, str | int) for value in rules.values()
        ):
            raise Rejected(f"field 'rules' must be a map of strings, got {rules!r}")
        # The API shows max_server_per_host as an integer; notifications as a string.
        properties["rules"] = key_value_pairs({key: str(value) for key, value in rules.items()})
    return properties


def listed_server_group(group: Mapping[str, Any], started_at: datetime) -> ServerGroupEvent:
    """A reconcile's event of a group its listing (begun at ``started_at``) shows."""
    uuid = group.get("id")
    if not isinstance(uuid, str):
        raise Rejected("field 'id' is missing")
    return ServerGroupEvent(
        event_type=RECONCILE,
        stamp=listed(started_at, Action.UPSERT),
        uuid=uuid,
        action=Action.UPSERT,
        properties=server_group_properties(group),
    )


def listed_server_group_gone(uuid: str, started_at: datetime) -> ServerGroupEvent:
    """A reconcile's event of a group a complete listing (begun at ``started_at``) no longer
    shows."""
    return ServerGroupEvent(
        event_type=RECONCILE, stamp=listed(started_at, Action.DELETE), uuid=uuid,
        action=Action.DELETE,
    )


class ServerGroupFamily:
    name: ClassVar[str] = NAME
    schema: ClassVar[ElementSchema] = SERVER_GROUP
    rules: ClassVar[Mapping[str, Rule]] = RULES
    payload_majors: ClassVar[frozenset[int]] = frozenset({1})

    def decode(self, envelope: Envelope, rule: Rule, data: Fields) -> ServerGroupEvent:
        return decode_server_group(envelope, rule, data)

    def fold(self, events: Iterable[Event]) -> dict[str, ServerGroupFold]:
        return fold_newest(events, ServerGroupEvent)

    def lock_keys(self, fold: dict[str, ServerGroupFold]) -> Mapping[str, Iterable[str]]:
        # The members the newest event names: the batch may link them, and it writes the
        # pairs naming them.
        members: set[str] = set().union(
            *(group.latest.members for group in fold.values() if group.latest is not None)
        )
        return {INSTANCE: members, NAME: fold.keys()}

    def named_keys(
        self, keys: Sequence[str], folds: Mapping[str, Any]
    ) -> Reading[Mapping[str, Iterable[str]]]:
        # The members the stored groups the batch rewrites name: it may unlink them and forget
        # their pairs. A group locked only because an instance of the batch appears or goes
        # touches that instance's edge alone (as ``read`` checks under lock).
        rewritten = [key for key in keys if key in folds.get(NAME, {})]
        return Reading.rows(
            f"{CYPHER}/named_members",
            lambda rows: {INSTANCE: [row["member"] for row in rows]},
            keys=rewritten,
        )

    def read(
        self, keys: Sequence[str], batch: Batch
    ) -> Reading[tuple[dict[str, StoredServerGroup], Mapping[str, Iterable[str]]]]:
        fold: dict[str, ServerGroupFold] = batch.folds.get(NAME, {})
        lacking = read_lacking(
            f"{CYPHER}/read_described", {
                uuid: group.latest.properties
                for uuid, group in fold.items()
                if group.latest is not None
            }, DESCRIPTION_FIELDS,
        )

        def made(
            described: dict[str, dict[str, Any]], rows: Rows
        ) -> tuple[dict[str, StoredServerGroup], Mapping[str, Iterable[str]]]:
            groups = {
                row["uuid"]: StoredServerGroup(
                    event_time=Stamp.stored(row["event_time"]),
                    deleted_at=Stamp.stored(row["deleted_at"]),
                    members=tuple(row["members"] or ()),
                    linked=frozenset(row["linked"]),
                    properties=described.get(row["uuid"], {}),
                )
                for row in rows
            }
            # The groups the batch rewrites may unlink any member they name: each must be
            # locked. (A group locked only because an instance of the batch appears or goes
            # touches that instance's edge alone.)
            named: set[str] = set().union(
                *(group.members for uuid, group in groups.items() if uuid in fold)
            )
            return groups, {INSTANCE: named}

        return lacking.join(Reading.rows(f"{CYPHER}/read", list, keys=list(keys)), made)

    def resolve(self, batch: Batch) -> None:
        fold: dict[str, ServerGroupFold] = batch.folds.get(NAME, {})
        stored: dict[str, StoredServerGroup] = batch.stored.get(NAME) or {}
        # The locked instances that exist after the batch (the instance family's resolve).
        live: set[str] = batch.resolved.get(INSTANCE, set())
        tombstones, removals, rewritten = [], [], []
        # One row of batch/server_group/write per group it writes: its description (or
        # None), the members it names anew, those it links.
        written: list[dict[str, Any]] = []
        for uuid in sorted(set(fold) | set(stored)):
            current = stored.get(uuid, StoredServerGroup())
            group = fold.get(uuid, ServerGroupFold())
            floor = latest(current.deleted_at, group.deleted_at)
            if floor is not None and floor != current.deleted_at:
                tombstones.append({"uuid": uuid, **floor.columns("deleted_at")})
            alive = after(current.event_time, floor)
            newest = group.latest if group.latest is not None and after(
                group.latest.stamp, floor
            ) else None
            if newest is not None and (not alive or after(newest.stamp, current.event_time)):
                state = known_or_kept(
                    newest.properties, current.properties if alive else {}, DESCRIPTION_FIELDS
                )
                state.update(event_time=newest.stamp, last_event=newest.event_type)
                properties = encoded(SERVER_GROUP, state)
                members = tuple(state["members"] or ())
            elif alive:
                properties = None
                members = current.members
            else:
                # Deleted, or a placeholder its lock made: its edges go with it.
                removals.append(uuid)
                if current.members:
                    rewritten.append(uuid)
                continue
            if members != current.members or not alive:
                # A new list (all its members locked): its pairs and edges drawn anew.
                rewritten.append(uuid)
                named = list(members)
                linked = [member for member in members if member in live]
            else:
                # The same list: link the members of the batch that are live and not linked
                # (an instance that goes takes its edges with it).
                named = []
                linked = [
                    member for member in members
                    if member in live and member not in current.linked
                ]
            if properties is not None or named or linked:
                written.append(
                    {"uuid": uuid, "properties": properties, "named": named, "linked": linked}
                )
        batch.writes.add(Stage.FORGET, f"{CYPHER}/tombstone", rows=tombstones)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/unlink", keys=rewritten)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/forget_members", keys=rewritten)
        batch.writes.add(Stage.FORGET, f"{CYPHER}/remove", keys=removals)
        # Where its edges are drawn: after the instances they reach are written.
        batch.writes.add(Stage.LINK, f"{CYPHER}/write", rows=written)

    def cleanup(self, tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        """Nothing: removals and placeholders are resolved in the batch."""
