"""Apply: a batch plan in one managed Neo4j transaction, retried when Neo4j says it may be.

Transient errors inside a transaction (deadlocks between synchronizers, leader switches) are
retried by the driver's managed transactions. Neo4j being unreachable is retried here with
tenacity's backoff, for as long as the caller allows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import tenacity
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from cdm_graph import statements
from cdm_graph.events import Event
from cdm_graph.plan import BatchPlan, plan_batch

LOG = logging.getLogger(__name__)

# What the driver gives up on after its own retries, and that waiting can cure.
RETRYABLE = (ServiceUnavailable, SessionExpired, TransientError)


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    uri: str
    username: str
    password: str
    database: str = "neo4j"
    max_transaction_retry_time: float = 30.0

    def driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(
            self.uri,
            auth=(self.username, self.password),
            max_transaction_retry_time=self.max_transaction_retry_time,
        )


def _run_plan(tx: neo4j.ManagedTransaction, plan: BatchPlan) -> None:
    left_behind: set[str] = set()
    for statement in plan.statements:
        parameters = dict(statement.parameters)
        if statement.takes_hostnames:
            parameters["keys"] = sorted(set(parameters["keys"]) | left_behind)
        result = tx.run(statements.load(statement.name), parameters)
        if statement.returns_hostnames:
            record = result.single()
            if record is not None:
                left_behind.update(record["hostnames"])
        else:
            result.consume()


def retrying(
    stop: tenacity.stop.stop_base | None = None,
    on_retry: Callable[[tenacity.RetryCallState], None] | None = None,
) -> tenacity.Retrying:
    """Backoff for Neo4j being away: 0.5 s doubling to 30 s, forever unless ``stop`` says."""

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        LOG.warning(
            "Neo4j unavailable (%s); retry %d in %.1f s",
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
    )


class GraphWriter:
    """Writes batches of events to one Neo4j database."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str = "neo4j",
        retry: tenacity.Retrying | None = None,
    ) -> None:
        self._driver = driver
        self._database = database
        self._retry = retry or retrying(stop=tenacity.stop_after_delay(120))

    def apply_batch(self, events: Sequence[Event]) -> None:
        """Apply the events in one transaction; the graph is as if applied one by one."""
        plan = plan_batch(events)
        if not plan.statements:
            return
        self._retry(self._write, _run_plan, plan)

    def expire_tombstones(self, ttl: timedelta, limit: int = 10_000) -> int:
        """Forget deletions older than ``ttl``; returns how many tombstones went."""
        before = datetime.now(UTC).replace(tzinfo=None) - ttl
        expired = 0
        while True:
            count = self._retry(self._write, _expire, before, limit)
            expired += count
            if count < limit:
                return expired

    def run_schema(self) -> list[str]:
        """Create the constraints and indexes of ``cypher/schema`` (idempotent)."""
        names = statements.names("schema")
        for name in names:
            self._retry(self._write, _run_one, name)
        return names

    def _write(self, work: Callable[..., Any], *args: Any) -> Any:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work, *args)


def _expire(tx: neo4j.ManagedTransaction, before: datetime, limit: int) -> int:
    record = tx.run(
        statements.load("write/expire_tombstones"), before=before, limit=limit
    ).single()
    return int(record["expired"]) if record else 0


def _run_one(tx: neo4j.ManagedTransaction, name: str) -> None:
    tx.run(statements.load(name)).consume()
