"""Apply: a batch plan in one managed Neo4j transaction, retried when Neo4j says it may be.

Transient errors inside a transaction (deadlocks between synchronizers, leader switches) are
retried by the driver's managed transactions. Neo4j being unreachable is retried here with
tenacity's backoff, for as long as the caller allows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j
import tenacity

from cdm_graph import statements
from cdm_graph.events import Event
from cdm_graph.gateway import native, retrying
from cdm_graph.plan import (
    BatchFold,
    StoredComputeNode,
    StoredGraph,
    StoredInstance,
    resolve,
)

LOG = logging.getLogger(__name__)

def _records(tx: neo4j.ManagedTransaction, name: str, **parameters: Any) -> neo4j.Result:
    return tx.run(statements.load(name), parameters)


def _read_stored(tx: neo4j.ManagedTransaction, fold: BatchFold) -> StoredGraph:
    instances = {
        record["uuid"]: StoredInstance(
            properties={key: native(value) for key, value in record["properties"].items()},
            deleted_at=native(record["deleted_at"]),
            hosted_by=record["hostname"],
            hosted_since=native(record["since"]),
        )
        for record in _records(tx, "read/instances", keys=fold.instance_keys)
    }
    # Hosts the stored instances name that the batch does not: an instance may fall back to
    # one (its authoritative host forgotten after a deletion) or leave one. Locked after the
    # instances, out of order: a deadlock this rarely causes is retried by the driver.
    hostnames = fold.hostnames
    named = set().union(*(instance.hostnames for instance in instances.values()))
    if extra := sorted(named - set(hostnames)):
        _records(tx, "write/lock_compute_nodes", keys=extra).consume()
        hostnames = [*hostnames, *extra]
    compute_nodes = {
        record["hostname"]: StoredComputeNode(
            described=bool(record["described"]),
            service_event_time=native(record["service_event_time"]),
            deleted_at=native(record["deleted_at"]),
            properties={key: native(value) for key, value in record["properties"].items()},
        )
        for record in _records(tx, "read/compute_nodes", keys=hostnames)
    }
    hosted: dict[str, list[tuple[str, Any]]] = {}
    if fold.deleted_hostnames:
        for record in _records(tx, "read/hosted_instances", keys=fold.deleted_hostnames):
            hosted.setdefault(record["hostname"], []).append(
                (record["uuid"], native(record["since"]))
            )
    return StoredGraph(instances, compute_nodes, hosted)


def _run_batch(tx: neo4j.ManagedTransaction, fold: BatchFold) -> None:
    for statement in fold.locks():
        _records(tx, statement.name, **statement.parameters).consume()
    writes = resolve(fold, _read_stored(tx, fold))
    for statement in writes.statements:
        _records(tx, statement.name, **statement.parameters).consume()
    empty = [
        record["hostname"]
        for record in _records(tx, "read/empty_stubs", keys=writes.stub_candidates)
    ]
    if empty:
        _records(tx, "write/remove_compute_nodes", keys=empty).consume()


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

    def with_retry(self, retry: tenacity.Retrying) -> GraphWriter:
        """The same writer, waiting for Neo4j as ``retry`` says."""
        return GraphWriter(self._driver, self._database, retry)

    def apply_batch(self, events: Sequence[Event]) -> None:
        """Apply the events in one transaction; the graph is as if applied one by one."""
        fold = BatchFold.of(events)
        if not fold.instances and not fold.compute_nodes:
            return
        self._retry(self._write, _run_batch, fold)

    def expire_tombstones(self, ttl: timedelta, limit: int = 10_000) -> int:
        """Forget deletions older than ``ttl``; returns how many tombstones went."""
        before = datetime.now(UTC).replace(tzinfo=None) - ttl
        expired = 0
        for name in ("write/expire_instance_tombstones", "write/expire_compute_node_tombstones"):
            while True:
                count = self._retry(self._write, _expire, name, before, limit)
                expired += count
                if count < limit:
                    break
        return expired

    def run_schema(self) -> list[str]:
        """Create the constraints and indexes of ``cypher/schema`` (idempotent)."""
        names = statements.names("schema")
        for name in names:
            self.run(name)
        return names

    def run(self, name: str, **parameters: Any) -> None:
        """Run one statement of ``cypher/`` in its own write transaction."""
        self._retry(self._write, _run_one, name, parameters)

    def transaction(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run ``work(tx, *args)`` in one managed write transaction, retried like a batch:
        for writes that lock, read and decide in Python, as batches do."""
        return self._retry(self._write, work, *args)

    def read(self, name: str, **parameters: Any) -> list[neo4j.Record]:
        """Run one read statement of ``cypher/``; returns its records."""

        def work(tx: neo4j.ManagedTransaction) -> list[neo4j.Record]:
            return list(tx.run(statements.load(name), parameters))

        def read_once() -> list[neo4j.Record]:
            with self._driver.session(database=self._database) as session:
                return session.execute_read(work)

        return self._retry(read_once)

    def ping(self) -> None:
        """Raise if Neo4j cannot be reached now (no retry)."""
        self._driver.verify_connectivity()

    def _write(self, work: Callable[..., Any], *args: Any) -> Any:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work, *args)


def _expire(tx: neo4j.ManagedTransaction, name: str, before: datetime, limit: int) -> int:
    record = tx.run(statements.load(name), before=before, limit=limit).single()
    return int(record["expired"]) if record else 0


def _run_one(tx: neo4j.ManagedTransaction, name: str, parameters: dict[str, Any]) -> None:
    tx.run(statements.load(name), parameters).consume()
