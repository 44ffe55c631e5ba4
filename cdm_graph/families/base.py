"""What an element family is: the unit Nova publishes in (``instance.*``, ``service.*``), and
the unit cdm-graph grows by.

A family owns, in one module: its rows of the event table (``rules``), its decoder, its fold
(the newest facts of a batch per element, order-free), its read of the stored state, its
resolve step (what the batch writes, under Nova's clock) and its Cypher folder
(``cypher/batch/<family>/``). ``cdm_graph.families`` registers them; nothing else branches
on the element.

A batch transaction runs every family's steps in the registry's order, which is also the
order locks are taken in (a family may lock elements of a family registered before it, never
after, so no two batches wait for each other in a cycle):

1. ``lock_keys``: what each family's fold needs locked, in its own or an earlier family, and
   ``named_keys``: what the stored state of those elements names in any family (a compute
   node's aggregates, the server groups waiting for an instance), read before any lock, so
   that it is locked in the one order too;
2. each family's ``lock`` statement, in registry order, keys sorted: every batch takes its
   locks in one global order, so no two batches (nor a periodic duty taking compute nodes in
   hostname order) wait for each other in a cycle;
3. ``read``, in reverse registry order, every family's in one round trip: should the stored
   state name an element not locked (another batch changed it after ``named_keys`` looked),
   the batch starts again with it locked too, rather than take a lock out of order;
4. ``resolve``, in registry order: an earlier family's decisions (a compute node's deletion)
   are there for the later ones;
5. the writes of every family, stage by stage (forget, write, link), in one round trip, then
   ``cleanup``.

``named_keys`` and ``read`` say what they read as a ``Reading``: its statements and what to
make of their rows. The writer runs every family's readings of a step in one round trip
(``read_together``): in a service, a round trip costs a batch more than most statements'
work (the driver's thread waits for the interpreter's lock as well as for Neo4j). Every
family reads at each step, with no keys where it has none (a ``Reading.nothing`` only where
the family never reads): the step is one statement, planned once, whatever the batch.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from cdm_graph import gateway, statements
from cdm_graph.plan.clock import GuardSettings, Precedence, Stamp, latest, newer
from cdm_graph.schema import ElementSchema

if TYPE_CHECKING:
    import neo4j

    from cdm_graph.decode import Fields
    from cdm_graph.transport.envelope import Envelope


class Action(enum.Enum):
    UPSERT = "upsert"
    DELETE = "delete"
    # A family's event type that changes nothing of the graph, skipped with the rule's reason
    # (a row of its own, so that the table says why rather than "no family claims it").
    SKIP = "skip"


class HostEvidence(enum.Enum):
    """How far an event's ``host`` can be trusted (see ``cdm_graph.mapping``)."""

    AUTHORITATIVE = "authoritative"
    HINT = "hint"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the event table: the family the event belongs to, what it does to its
    element, and how far its host can be trusted (None: the event places nothing); for
    ``Action.SKIP``, the reason it is skipped."""

    family: str
    action: Action
    host: HostEvidence | None = None
    reason: str = ""


def notified(envelope: Envelope, action: Action) -> Stamp:
    """A notification's place in Nova's order: its time, a deletion before an update at the
    same microsecond (``plan.clock.Precedence`` says why), then the id its copies share."""
    rank = Precedence.DELETED if action is Action.DELETE else Precedence.NOTIFIED
    return Stamp.at(envelope.time, rank, envelope.identity)


def listed(started_at: datetime, action: Action) -> Stamp:
    """A reconcile's fact: the time its listing began, after any notification of that
    microsecond."""
    rank = Precedence.LISTED_GONE if action is Action.DELETE else Precedence.LISTED
    return Stamp.at(started_at, rank)


class Event(Protocol):
    """What every family's events have: their family, the element's key and their place in
    Nova's order (``stamp``; ``time`` is its time)."""

    family: ClassVar[str]

    @property
    def event_type(self) -> str: ...
    @property
    def stamp(self) -> Stamp: ...
    @property
    def time(self) -> datetime: ...
    @property
    def key(self) -> str: ...
    @property
    def action(self) -> Action: ...


EventT = TypeVar("EventT", bound=Event)
T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")
# The rows of one statement, as dicts of the driver's values.
Rows = list[dict[str, Any]]


@dataclass(slots=True)
class NewestFold(Generic[EventT]):
    """What an order-free resolve needs of one element's events in a batch: its newest
    description and its newest deletion, in Nova's total order (``plan.clock``)."""

    latest: EventT | None = None
    deleted_at: Stamp | None = None

    def add(self, event: EventT) -> None:
        if event.action is Action.DELETE:
            self.deleted_at = latest(self.deleted_at, event.stamp)
        else:
            self.latest = newer(self.latest, event)


def fold_newest(events: Iterable[Event], kind: type[EventT]) -> dict[str, NewestFold[EventT]]:
    """A family's events of a batch folded per element key (``NewestFold``)."""
    folds: dict[str, NewestFold[EventT]] = {}
    for event in events:
        assert isinstance(event, kind)
        folds.setdefault(event.key, NewestFold()).add(event)
    return folds


class Stage(enum.IntEnum):
    """The order of a batch's writes across families: forget (tombstones, removals, edges
    that go), then write (descriptions), then link (edges between the written elements)."""

    FORGET = 1
    WRITE = 2
    LINK = 3


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: the name of its file under ``cypher/`` and its parameters."""

    name: str
    parameters: Mapping[str, Any]


@dataclass(slots=True)
class Writes:
    """What a batch's resolve decided, as statements per stage, in the order they run.

    Every statement a family's resolve adds runs, the ones with nothing to do (every
    parameter empty) too: the writes are one statement (``gateway.run_in_sequence``), and
    Neo4j plans each text once. Leaving out the empty ones made each mix of the batch's
    work a statement of its own (14 in a Nova-shaped stream in batches of 50), each planned
    at its first batch for 0.3-1 s, long enough to put a service a second behind; the same
    statements every time are planned once, when the sync starts (``GraphWriter.prepare``).
    A statement with no rows costs Neo4j next to nothing."""

    staged: list[tuple[Stage, Statement]] = field(default_factory=list)

    def add(self, stage: Stage, name: str, **parameters: Any) -> None:
        self.staged.append((stage, Statement(name, parameters)))

    @property
    def sequence(self) -> list[Statement]:
        """Every statement, in the order they run."""
        # A stable sort: within a stage, the families' order and each family's own.
        return [statement for _, statement in sorted(self.staged, key=lambda item: item[0])]

    @property
    def statements(self) -> list[Statement]:
        """The statements with something to do, in the order they run."""
        return [statement for statement in self.sequence if any(statement.parameters.values())]


class Batch(Protocol):
    """What a family's steps see of the batch: every family's fold and stored state, the
    resolution so far, where to put its writes, and what the configuration decides of the
    guards."""

    @property
    def settings(self) -> GuardSettings: ...
    @property
    def folds(self) -> Mapping[str, Any]: ...
    @property
    def keys(self) -> Mapping[str, set[str]]: ...
    @property
    def stored(self) -> Mapping[str, Any]: ...
    @property
    def resolved(self) -> dict[str, Any]: ...
    @property
    def writes(self) -> Writes: ...


def known_or_kept(
    described: Mapping[str, Any], stored: Mapping[str, Any], keys: Iterable[str]
) -> dict[str, Any]:
    """The event's value of each key; where the event lacks the key (the APIs a reconcile
    reads do not show every field a notification carries), the stored value."""
    return {key: described[key] if key in described else stored.get(key) for key in keys}


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """What a step reads of the stored state: its ``statements`` (each returning rows), and
    what it makes of their rows (``interpret``: one list of rows per statement, in order).
    Several run in one round trip (``read_together``)."""

    statements: tuple[Statement, ...]
    interpret: Callable[[Sequence[Rows]], T]

    @classmethod
    def nothing(cls, value: T) -> Reading[T]:
        """No statement: ``value`` as it is."""
        return cls((), lambda _rows: value)

    @classmethod
    def rows(cls, name: str, then: Callable[[Rows], T], **parameters: Any) -> Reading[T]:
        """One statement, ``cypher/<name>.cypher`` with ``parameters``, whose rows ``then``
        reads."""
        return cls((Statement(name, parameters),), lambda rows: then(rows[0]))

    def then(self, made: Callable[[T], U]) -> Reading[U]:
        """This reading, ``made`` into something else."""
        return Reading(self.statements, lambda rows: made(self.interpret(rows)))

    def join(self, other: Reading[U], both: Callable[[T, U], V]) -> Reading[V]:
        """This reading and ``other`` in one: ``both`` of what each makes of its rows."""
        count = len(self.statements)
        return Reading(
            self.statements + other.statements,
            lambda rows: both(self.interpret(rows[:count]), other.interpret(rows[count:])),
        )


def read_together(
    tx: neo4j.ManagedTransaction, readings: Sequence[Reading[Any]], always: bool = False
) -> list[Any]:
    """What each of ``readings`` makes of its rows, their statements run in one round trip;
    none when every statement unwinds keys it has none of (a batch's look for what the keys
    the last look named name, most often: none of them is deleted nor rewritten), unless
    ``always`` (to have Neo4j plan them: ``GraphWriter.prepare``)."""
    parts = [statement for reading in readings for statement in reading.statements]
    if not always and all(
        not statement.parameters.get("keys") and statements.unwinds_keys(statement.name)
        for statement in parts
    ):
        rows: list[Rows] = [[] for _ in parts]
    else:
        rows = gateway.run_in_sequence(
            tx, (), [(statement.name, statement.parameters) for statement in parts]
        )
    made, start = [], 0
    for reading in readings:
        end = start + len(reading.statements)
        made.append(reading.interpret(rows[start:end]))
        start = end
    return made


def read_lacking(
    statement: str,
    described: Mapping[str, Mapping[str, Any]],
    fields: Sequence[str],
) -> Reading[dict[str, dict[str, Any]]]:
    """The stored values of the description ``fields`` that the newest event of each element
    (key -> what it describes) lacks, for ``known_or_kept``; nothing is read when every event
    describes the element whole (every notification does)."""
    lacking = {key: [name for name in fields if name not in values]
               for key, values in described.items() if len(values) < len(fields)}
    if not lacking:
        return Reading.nothing({})
    names = sorted({name for missing in lacking.values() for name in missing})
    key = statements.columns(statements.load(statement))[0]

    def values(rows: Rows) -> dict[str, dict[str, Any]]:
        return {
            row[key]: dict(zip(names, gateway.native(row["values"]), strict=True))
            for row in rows
        }

    return Reading.rows(statement, values, keys=sorted(lacking), fields=names)


class Family(Protocol):
    """An element family (see the module's docstring for the order of its steps)."""

    name: ClassVar[str]
    schema: ClassVar[ElementSchema]
    # Its rows of the event table.
    rules: ClassVar[Mapping[str, Rule]]
    # The payload major versions its decoder understands.
    payload_majors: ClassVar[frozenset[int]]

    def decode(self, envelope: Envelope, rule: Rule, data: Fields) -> Event: ...

    def fold(self, events: Iterable[Event]) -> Any:
        """The batch's events of this family, folded per element: order-free."""
        ...

    def lock_keys(self, fold: Any) -> Mapping[str, Iterable[str]]:
        """Family name -> keys the batch must lock for this family's elements."""
        ...

    def named_keys(
        self, keys: Sequence[str], folds: Mapping[str, Any]
    ) -> Reading[Mapping[str, Iterable[str]]]:
        """Before any lock: the keys of other families the stored state of ``keys`` names
        (given the batch's ``folds``), so that they are locked in order with the batch's own."""
        ...

    def read(
        self, keys: Sequence[str], batch: Batch
    ) -> Reading[tuple[Any, Mapping[str, Iterable[str]]]]:
        """Under lock: the stored state of the locked ``keys``, and the keys of other
        families it names (each must be locked already, or the batch starts again with it).
        ``batch`` holds the folds; the stored state is not there yet."""
        ...

    def resolve(self, batch: Batch) -> None:
        """Decide this family's writes (pure: folds and stored state in, writes out)."""
        ...

    def cleanup(self, tx: neo4j.ManagedTransaction, batch: Batch) -> None:
        """After the writes: what only the written graph can tell (empty stubs)."""
        ...
