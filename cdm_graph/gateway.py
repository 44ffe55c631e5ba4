"""The one way to Neo4j: settings, driver, managed transactions, retries, value conversion.

Every statement cdm-graph runs (batches, reconcile, the dead-letter store, the Browser labels,
the client's reads) goes through a ``Gateway``:

* statements are named by their file under ``cypher/`` and take parameters only; several
  may run as one, in one round trip (``run_in_sequence``);
* writes and reads are the driver's managed transactions (``execute_write`` /
  ``execute_read``, ``database_`` always given), which retry what Neo4j says may succeed
  again (deadlocks, leader switches) for ``[neo4j] max_transaction_retry_time``;
* beyond that, Neo4j being away or busy is waited out with tenacity's backoff, for as long as
  the gateway's ``retry`` allows (a stopping service cuts it short);
* reads run in READ access mode, so the server refuses a write made through them;
* Neo4j's temporal values come back as Python's (``native``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import neo4j
import tenacity
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from cdm_graph import statements

LOG = logging.getLogger(__name__)

# What the driver gives up on after its own retries, and that waiting can cure.
RETRYABLE = (ServiceUnavailable, SessionExpired, TransientError)

_Result = TypeVar("_Result")


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    uri: str
    username: str
    password: str
    database: str = "neo4j"
    max_transaction_retry_time: float = 5.0

    def driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(
            self.uri,
            auth=(self.username, self.password),
            max_transaction_retry_time=self.max_transaction_retry_time,
            # "index already exists" and the like are not worth a log line each start.
            notifications_min_severity="WARNING",
            # Nor is "property key does not exist" (UNRECOGNIZED): every statement names the
            # properties of every family, which a graph holds only once some event brought
            # them (a cloud without server groups never has `members`). Neo4j keeps the
            # warning with the plan, and so sent it with every run of every batch statement
            # planned before the keys existed (a fresh database): a 4.6 KB log line each,
            # some 90 a batch, the sync's time spent formatting them.
            notifications_disabled_classifications=[
                neo4j.NotificationDisabledClassification.UNRECOGNIZED
            ],
        )


def native(value: Any) -> Any:
    """Neo4j's temporal values as Python's, so that they compare with the events' times."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [native(item) for item in value]
    if isinstance(value, dict):
        return {key: native(item) for key, item in value.items()}
    return value


def retrying(
    stop: tenacity.stop.stop_base | None = None,
    on_retry: Callable[[tenacity.RetryCallState], None] | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> tenacity.Retrying:
    """Backoff for Neo4j being away: 0.5 s doubling to 30 s, forever unless ``stop`` says.
    ``sleep`` lets a stopping service cut the wait short (e.g. ``threading.Event.wait``)."""

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        # A TransientError is Neo4j answering (deadlocks outlasting the driver's retries).
        LOG.warning(
            "Neo4j %s (%s); retry %d in %.1f s",
            "busy" if isinstance(error, TransientError) else "unavailable",
            error,
            state.attempt_number,
            state.next_action.sleep if state.next_action else 0.0,
        )
        if on_retry is not None:
            on_retry(state)

    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RETRYABLE),
        wait=tenacity.wait_exponential(multiplier=0.5, max=30),
        stop=stop or tenacity.stop_never,
        before_sleep=log_retry,
        reraise=True,
        sleep=sleep or tenacity.nap.sleep,
    )


# A reader that is not a service (the client, a command) answers at once: the driver's own
# retries still cover deadlocks and leader switches.
NO_WAIT = tenacity.Retrying(stop=tenacity.stop_after_attempt(1), reraise=True)


class _Rows(list[Any]):
    """A parameter's list, as the driver sends it, that ``repr`` shows as its length."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


class _Map(dict[str, Any]):
    """A parameter's map, as the driver sends it, that ``repr`` shows as its size."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} entries>"


def _briefly_shown(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with their lists and maps shown briefly by ``repr``: the driver formats
    every RUN's parameters for its debug log whether or not debug is on (``" ".join(map(repr,
    fields))`` in its Bolt protocol classes), which cost a reconcile's 2,000-row writes ~4% of
    their time. The values are the same (a shallow copy of each list or map); only a debug
    log of the driver shows less."""
    return {
        name: _Rows(value) if type(value) is list
        else _Map(value) if type(value) is dict
        else value
        for name, value in parameters.items()
    }


def run(tx: neo4j.ManagedTransaction, name: str, **parameters: Any) -> neo4j.Result:
    """Run the statement ``cypher/<name>.cypher`` inside a transaction of the gateway."""
    return tx.run(statements.load(name), _briefly_shown(parameters))


def run_in_sequence(
    tx: neo4j.ManagedTransaction,
    parts: Sequence[tuple[str, Mapping[str, Any]]],
    reading: Sequence[tuple[str, Mapping[str, Any]]] = (),
) -> list[list[dict[str, Any]]]:
    """Run statements, ``(name, parameters)`` each, in this order, as one statement
    (``statements.in_sequence``): first ``parts``, that return nothing, then ``reading``.
    One round trip for all of them. Returns the rows of each reading statement, as dicts of
    the driver's values (see ``native``)."""
    if not parts and not reading:
        return []
    query = statements.in_sequence(
        tuple(statements.load(name) for name, _ in parts),
        tuple(statements.load(name) for name, _ in reading),
    )
    parameters = statements.in_sequence_parameters(
        [values for _, values in parts] + [values for _, values in reading]
    )
    result = tx.run(query, _briefly_shown(parameters))
    if not reading:
        result.consume()
        return []
    returned = result.single(strict=True)
    return [
        [dict(zip(columns, row, strict=True)) for row in returned[position]]
        for position, columns in enumerate(
            statements.columns(statements.load(name)) for name, _ in reading
        )
    ]


def plain_rows(result: neo4j.Result) -> Iterator[dict[str, Any]]:
    """A result's records as plain dicts, built from each record's values in column order: a
    record's own lookups by name cost more than the rest of reading many rows. Values as the
    driver gives them: for statements that return no temporal value (see ``native``)."""
    keys = result.keys()
    return (dict(zip(keys, record, strict=True)) for record in result)


def rows(tx: neo4j.ManagedTransaction, name: str, **parameters: Any) -> list[dict[str, Any]]:
    """The records of one statement as dicts, Neo4j's temporal values as Python's."""
    return [
        {key: native(record[key]) for key in record.keys()}  # noqa: SIM118 - a Record
        for record in run(tx, name, **parameters)
    ]


class _Rehearsed(Exception):
    """Ends a rehearsal's transaction, which the driver then rolls back, with its result."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class Gateway:
    """Managed transactions on one Neo4j database, retried as ``retry`` says."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str = "neo4j",
        retry: tenacity.Retrying | None = None,
        on_transaction_retry: Callable[[], object] | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        # One Retrying for every thread that uses this gateway (the sync's workers and
        # duties, reconcile's writers): tenacity keeps a call's state in the call and its
        # statistics per thread, and from 8.3 on its iteration state per thread too.
        self._retry = retry or retrying(stop=tenacity.stop_after_delay(120))
        # Called each time the driver runs a transaction function again (a deadlock, a
        # leader switch): its own retries are silent otherwise.
        self._on_transaction_retry = on_transaction_retry

    @classmethod
    def connect(cls, settings: Neo4jSettings, retry: tenacity.Retrying | None = None) -> Gateway:
        return cls(settings.driver(), settings.database, retry)

    def with_retry(
        self,
        retry: tenacity.Retrying,
        on_transaction_retry: Callable[[], object] | None = None,
    ) -> Gateway:
        """The same gateway, waiting for Neo4j as ``retry`` says, and telling
        ``on_transaction_retry`` of each transaction the driver runs again."""
        return Gateway(self.driver, self.database, retry, on_transaction_retry)

    def write(self, work: Callable[..., _Result], *args: Any) -> _Result:
        """``work(tx, *args)`` in one managed write transaction, retried."""
        return self._retry(self._session_write, work, *args)  # type: ignore[no-any-return]

    def rehearse(self, work: Callable[..., _Result], *args: Any) -> _Result:
        """``work(tx, *args)`` in one managed write transaction, rolled back: nothing it does
        stays. For what Neo4j keeps of a transaction besides the graph: its plans."""

        def rolled_back(tx: neo4j.ManagedTransaction, *args: Any) -> _Result:
            raise _Rehearsed(work(tx, *args))

        try:
            self.write(rolled_back, *args)
        except _Rehearsed as rehearsed:
            return rehearsed.result  # type: ignore[no-any-return]
        raise AssertionError("a rehearsal's transaction ends with _Rehearsed")

    def read(self, work: Callable[..., _Result], *args: Any) -> _Result:
        """``work(tx, *args)`` in one managed read transaction (READ access), retried."""
        return self._retry(self._session_read, work, *args)  # type: ignore[no-any-return]

    def read_streamed(self, work: Callable[..., _Result], *args: Any) -> _Result:
        """As ``read``, with every record of each statement sent as soon as Neo4j makes it,
        not a batch at a time as the client asks: Neo4j makes the next records while
        ``work`` handles the last. For reads of a whole model, whose records ``work`` takes
        as they come; what it leaves unread is held in memory until the next statement."""
        return self._retry(  # type: ignore[no-any-return]
            self._session_read, work, *args, fetch_size=-1
        )

    def execute(self, name: str, **parameters: Any) -> None:
        """Run one writing statement of ``cypher/`` in its own transaction."""

        def work(tx: neo4j.ManagedTransaction) -> None:
            run(tx, name, **parameters).consume()

        self.write(work)

    def query(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run one reading statement of ``cypher/``; its rows as dicts."""

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return rows(tx, name, **parameters)

        return self.read(work)

    def ping(self) -> None:
        """Raise if Neo4j cannot be reached now (no retry)."""
        self.driver.verify_connectivity()

    def close(self) -> None:
        self.driver.close()

    def _session_write(self, work: Callable[..., _Result], *args: Any) -> _Result:
        with self.driver.session(database=self.database) as session:
            return session.execute_write(self._counted(work), *args)

    def _session_read(
        self, work: Callable[..., _Result], *args: Any, fetch_size: int | None = None
    ) -> _Result:
        # None: the driver's default, 1,000 records a request.
        fetching: dict[str, Any] = {} if fetch_size is None else {"fetch_size": fetch_size}
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS, **fetching
        ) as session:
            return session.execute_read(self._counted(work), *args)

    def _counted(self, work: Callable[..., _Result]) -> Callable[..., _Result]:
        """``work``, telling ``on_transaction_retry`` of every run after its first."""
        notify = self._on_transaction_retry
        if notify is None:
            return work
        runs = 0

        def counted(tx: neo4j.ManagedTransaction, *args: Any) -> _Result:
            nonlocal runs
            runs += 1
            if runs > 1:
                notify()
            return work(tx, *args)

        return counted
