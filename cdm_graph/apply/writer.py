"""Apply: a batch plan in one managed Neo4j transaction, through the gateway.

One batch is one transaction: every family's locks (in the registry's order), its reads of
the locked elements, the writes its resolve step decided, then each family's cleanup.
Transient errors inside the transaction (deadlocks between synchronizers, leader switches)
are retried by the driver; Neo4j being away is waited out by the gateway's backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import neo4j
import tenacity

from cdm_graph import statements
from cdm_graph.families import FAMILIES
from cdm_graph.families.base import Event, Statement, read_together
from cdm_graph.gateway import Gateway, run, run_in_sequence
from cdm_graph.plan.batch import BatchFold, BatchState, lock_statements, resolve
from cdm_graph.plan.clock import GuardSettings, to_us

LOG = logging.getLogger(__name__)

# The tombstones of each family that leaves them: upkeep/{expiring,lock,read,expire}_<these>.
EXPIRING_TOMBSTONES = (
    "instance_tombstones", "compute_node_tombstones", "aggregate_tombstones",
    "flavor_tombstones", "server_group_tombstones",
)


class LockSetGrew(Exception):
    """The stored state, read under lock, names elements the batch has not locked (another
    transaction changed it after this one looked): the batch starts again with them, rather
    than take a lock out of the one global order."""

    def __init__(self, keys: dict[str, set[str]]) -> None:
        super().__init__(keys)
        self.keys = keys


def run_batch(
    tx: neo4j.ManagedTransaction,
    fold: BatchFold,
    grown: dict[str, set[str]],
    settings: GuardSettings | None = None,
) -> BatchState:
    """Lock, read, resolve, write and clean up one batch under ``settings`` (the guards'
    defaults when None); returns what was decided.

    Every lock is taken in one global order (the registry's families, each family's keys
    sorted), and only before anything is read under lock: no two batches, nor a periodic duty
    taking compute nodes in hostname order, can wait for each other in a cycle.
    """
    locked = fold.lock_keys()
    for name, grown_keys in grown.items():
        locked[name] |= grown_keys
    # What the stored state names (an instance's former host, the instances on a compute node
    # being deleted) is locked with the batch's own keys: read before any lock, every
    # family's in one round trip, until it names nothing new. Every family reads, with no
    # keys where it has none, at each step: one statement, one plan, whatever the batch.
    looked: dict[str, set[str]] = {family.name: set() for family in FAMILIES}
    while any(locked[name] - looked[name] for name in locked):
        readings = []
        for family in reversed(FAMILIES):
            new = sorted(locked[family.name] - looked[family.name])
            looked[family.name] |= set(new)
            readings.append(family.named_keys(new, fold.folds))
        for names in read_together(tx, readings):
            for name, named in names.items():
                locked[name].update(named)
    # Every family's lock in one round trip, still in the registry's order; then every
    # family's read under them in another. (Apart: in a statement that writes, Neo4j seeks
    # a uniqueness constraint's index with a lock on the entry, which the reads need not.)
    _run_all(tx, lock_statements(locked))
    reading = BatchState(fold.folds, locked, settings or GuardSettings())
    read = read_together(
        tx, [family.read(sorted(locked[family.name]), reading) for family in reversed(FAMILIES)]
    )
    for family, (stored, named) in zip(reversed(FAMILIES), read, strict=True):
        reading.stored[family.name] = stored
        unlocked = {name: set(wanted) - locked[name] for name, wanted in named.items()}
        if any(unlocked.values()):
            raise LockSetGrew({name: keys for name, keys in unlocked.items() if keys})
    batch = resolve(fold, reading.stored, locked, reading.settings)
    # Every family's writes in one round trip too, in their stages' order: every statement,
    # with nothing to do or not, so that every batch runs the same text (``Writes``).
    _run_all(tx, batch.writes.sequence)
    for family in FAMILIES:
        family.cleanup(tx, batch)
    return batch


class GraphWriter:
    """Writes batches of events to one Neo4j database, through a ``Gateway``, under the
    guards' ``settings`` (``[graph]`` of the configuration)."""

    def __init__(
        self,
        gateway: Gateway | neo4j.Driver,
        database: str = "neo4j",
        retry: tenacity.Retrying | None = None,
        settings: GuardSettings | None = None,
    ) -> None:
        if not isinstance(gateway, Gateway):
            gateway = Gateway(gateway, database, retry)
        self.gateway = gateway
        self.settings = settings or GuardSettings()

    def with_retry(
        self,
        retry: tenacity.Retrying,
        on_transaction_retry: Callable[[], object] | None = None,
    ) -> GraphWriter:
        """The same writer, waiting for Neo4j as ``retry`` says (see ``Gateway.with_retry``)."""
        return GraphWriter(
            self.gateway.with_retry(retry, on_transaction_retry), settings=self.settings
        )

    def apply_batch(self, events: Sequence[Event]) -> None:
        """Apply the events in one transaction; the graph is as if applied one by one."""
        fold = BatchFold.of(events)
        if not fold:
            return
        grown: dict[str, set[str]] = {}
        while True:
            try:
                self.gateway.write(run_batch, fold, grown, self.settings)
                return
            except LockSetGrew as growth:
                for name, keys in growth.keys.items():
                    grown.setdefault(name, set()).update(keys)

    def prepare(self) -> None:
        """Have Neo4j plan the statements every batch runs before the first batch does: the
        read of what the batch's keys name, the locks, the reads under lock and the writes.
        Each is one statement of every family's, planned in about the sum of their times
        (0.3-1 s each on a warm Neo4j), which the first batches would otherwise wait for,
        and every notification behind them. In a transaction rolled back: nothing stays.
        The cleanup statements, which batches run only when stubs or zones may empty, are
        planned at their first use."""
        self.gateway.rehearse(_prepare, self.settings)

    def expire_tombstones(self, ttl: timedelta, limit: int = 10_000) -> int:
        """Forget deletions older than ``ttl``, ``limit`` at a time; returns how many
        tombstones went."""
        before = to_us(datetime.now(UTC).replace(tzinfo=None) - ttl)
        expired = 0
        for kind in EXPIRING_TOMBSTONES:
            while True:
                listed, count = self.gateway.write(_expire, kind, before, limit)
                expired += count
                if listed < limit:
                    break
        return expired

    def run_schema(self) -> list[str]:
        """Create the constraints and indexes (idempotent): each family's (its folder's
        ``schema_*`` statements) and the shared ones of ``cypher/schema``."""
        names = [
            name
            for family in FAMILIES
            for name in statements.names(f"batch/{family.name}")
            if statements.is_schema(name)
        ] + statements.names("schema")
        for name in names:
            self.gateway.execute(name)
        return names

    def ping(self) -> None:
        self.gateway.ping()


# The key the rehearsal of ``prepare`` locks in the first family (a compute node's hostname),
# and so creates, until it rolls back.
REHEARSED_KEY = "cdm-graph-prepare"


def _prepare(tx: neo4j.ManagedTransaction, settings: GuardSettings) -> None:
    """A batch's statements in a batch's order, with no keys but one lock's.
    Neo4j plans a statement again for a transaction that has written (a batch's reads and
    writes come after its locks): the lock writes, so that the plans made are those."""
    nothing = BatchFold()
    keys: dict[str, set[str]] = {family.name: set() for family in FAMILIES}
    read_together(
        tx, [family.named_keys([], nothing.folds) for family in reversed(FAMILIES)], always=True
    )
    _run_all(tx, lock_statements({FAMILIES[0].name: {REHEARSED_KEY}}))
    state = BatchState(nothing.folds, keys, settings)
    read_together(tx, [family.read([], state) for family in reversed(FAMILIES)], always=True)
    _run_all(tx, resolve(nothing, {}, keys, settings).writes.sequence)


def _run_all(tx: neo4j.ManagedTransaction, parts: Sequence[Statement]) -> None:
    """Statements that return nothing, in this order, as one (``run_in_sequence``)."""
    run_in_sequence(tx, [(statement.name, statement.parameters) for statement in parts])


def _expire(
    tx: neo4j.ManagedTransaction, kind: str, before_us: int | None, limit: int
) -> tuple[int, int]:
    """Up to ``limit`` tombstones older than ``before_us`` expire: listed, locked, and read
    again under the lock, so that one a batch renews meanwhile stays and one another
    synchronizer expires meanwhile is no error. Returns how many were listed and expired."""
    keys = [
        record["key"]
        for record in run(tx, f"upkeep/expiring_{kind}", before_us=before_us, limit=limit)
    ]
    if not keys:
        return 0, 0
    run(tx, f"upkeep/lock_{kind}", keys=keys).consume()
    times = {
        record["key"]: record["deleted_at_us"]
        for record in run(tx, f"upkeep/read_{kind}", keys=keys)
    }
    assert before_us is not None
    going = sorted(key for key, time in times.items() if time is None or time < before_us)
    if going:
        run(tx, f"upkeep/expire_{kind}", keys=going).consume()
    return len(keys), sum(1 for key in going if times[key] is not None)



