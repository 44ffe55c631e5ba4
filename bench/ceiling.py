"""The apply side's ceilings: Neo4j's own, and the Python driver's, for the writes of
cdm-graph's batches.

- **Neo4j's own.** The rows are made inside Neo4j (``bench/cypher/ceiling_rows.cypher``) and
  written by cdm-graph's own batch statements (lock, read, unhost, write: the same
  MERGEs and SETs), all of one batch in one statement and one transaction of the batch size.
  No row crosses the driver; what is left is Neo4j's work and one round trip a batch. It is
  timed by the clock and, server-side, by the result summaries' times.
- **The Python driver's.** The same statements and the same rows, made in Python before the
  clock starts and sent as parameters, one statement at a time as cdm-graph's batches run
  them: Neo4j's work plus the driver's packing and unpacking.

Both write a keyspace of their own (``ceiling-instance-<n>`` on ``ceiling-compute-<n>``)
beside the cloud: first every instance once (the build-up: one row a notification, as Nova's
build-up sends one ``instance.create.end`` an instance), then random instances, each row
moved to another host (most of Nova's events re-place an instance). cdm-graph folds a
batch's notifications per instance, and Nova reports an operation in several messages on one
instance (``instance.update``, the action's ``.end``, ``instance.update``), so a batch of 500
of the stream is fewer rows: each ceiling transaction has as many rows as the stream's
batches fold to (``rows_per_batch``), and stands for a batch of notifications, so that the
ceiling is in notifications per second too, comparable with cdm-graph's.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j

from bench.graph import CYPHER
from bench.nova_stream import DATA
from cdm_graph import statements
from cdm_graph.families import decode
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.plan.clock import encoded
from cdm_graph.schema.instance import INSTANCE
from cdm_graph.simulate import Notification
from cdm_graph.transport.envelope import Envelope

# cdm-graph's statements for a batch of instance events, in the order its batches run them
# (locks, reads, forget, write, link), and what each reads where it takes $rows or $keys.
BATCH_STATEMENTS: tuple[tuple[str, str], ...] = (
    ("batch/compute_node/lock", "hostnames"),
    ("batch/instance/lock", "uuids"),
    ("batch/instance/read", "uuids"),
    ("batch/compute_node/read", "hostnames"),
    ("batch/instance/unhost", "uuids"),
    ("batch/instance/write", "rows"),
)
_PARAMETER = re.compile(r"\$(rows|keys)\b")
_RETURNS = re.compile(r"^\s*RETURN\b", re.M)
# The properties batch/instance/write writes, each read as p.<name>.
UPSERT_KEYS = frozenset(re.findall(r"\bp\.(\w+)", statements.load("batch/instance/write")))
# Rows of one batch are instances (first + k * stride) % instances: distinct when the stride
# and the cloud's size are coprime.
_STRIDE = 7919


@dataclass(frozen=True, slots=True)
class CeilingResult:
    rows: int
    transactions: int
    # The notifications these transactions stand for: a batch of the stream each.
    notifications: int
    seconds: float
    # Neo4j's own time for the statements (result summaries), None for the driver's ceiling.
    server_seconds: float | None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def per_second(self) -> float:
        """Notifications per second, as cdm-graph's figures are."""
        return self.notifications / self.seconds if self.seconds > 0 else 0.0

    @property
    def server_per_second(self) -> float | None:
        """Notifications per second by Neo4j's own statement times."""
        if not self.server_seconds:
            return None
        return self.notifications / self.server_seconds


def rows_per_batch(notifications: Sequence[Notification], batch_size: int) -> float:
    """The instance rows cdm-graph's batches of ``batch_size`` consecutive notifications of
    this stream fold to, on average: one per instance a batch names."""
    batches = [notifications[start : start + batch_size]
               for start in range(0, len(notifications), batch_size)]  # fmt: skip
    rows = [
        len({n.payload[DATA]["uuid"] for n in batch if n.event_type.startswith("instance.")})
        for batch in batches
    ]
    return sum(rows) / len(rows) if rows else 0.0


def _body(name: str) -> str:
    return statements.without_comments(statements.load(name))


def ceiling_statement() -> str:
    """The rows of one batch made in Neo4j, then every batch statement on them, each in a
    CALL subquery; a read's rows are counted there, not sent."""
    parts = [CYPHER.load("ceiling_rows")]
    scope = "CALL (rows, uuids, hostnames) {"
    for number, (name, variable) in enumerate(BATCH_STATEMENTS):
        body = _PARAMETER.sub(variable, _body(name))
        if _RETURNS.search(body):
            body = f"{scope}\n{body}\n}}\nRETURN count(*) AS read_{number}"
        parts.append(f"{scope}\n{body}\n}}")
    parts.append("RETURN size(rows) AS written")
    return "\n".join(parts)


def instance_template(envelope: Envelope) -> dict[str, Any]:
    """One instance's properties as cdm-graph's write takes them, from a real event."""
    event = decode(envelope)
    if not isinstance(event, InstanceEvent):
        raise ValueError(f"{envelope.event_type} is not an instance event")
    state = {
        **event.properties,
        "event_time": event.stamp,
        "last_event": event.event_type,
        "host": event.host,
        "node": event.node,
        "host_since": event.stamp,
        "authoritative_at": event.stamp,
        "authoritative_host": event.host,
        "authoritative_node": event.node,
        "hinted_at": None,
        "hinted_host": None,
        "hinted_node": None,
    }
    row = encoded(INSTANCE, state)
    missing = UPSERT_KEYS - row.keys()
    if missing:
        raise ValueError(f"the ceiling's rows lack what write writes: {sorted(missing)}")
    return row


@dataclass(frozen=True, slots=True)
class Batch:
    """One transaction's rows: where they start, their step, how many, which round."""

    first: int
    stride: int
    size: int
    round: int


class Ceiling:
    """The ceilings for a cloud of ``instances`` instances on ``hosts`` hosts; each
    transaction stands for a batch of ``batch_size`` notifications."""

    def __init__(
        self,
        driver: neo4j.Driver,
        template: dict[str, Any],
        instances: int,
        hosts: int,
        batch_size: int,
        seed: int = 5,
    ) -> None:
        self.driver = driver
        self.template = template
        self.instances = instances
        self.hosts = hosts
        self.batch_size = batch_size
        self.stride = next(s for s in itertools.count(_STRIDE) if math.gcd(s, instances) == 1)
        self._random = random.Random(seed)
        self._event_time_us = int(template["event_time_us"])

    def build_batches(self) -> list[Batch]:
        """Every instance once, in order, a row a notification: the cloud from nothing."""
        return [
            Batch(first, 1, min(self.batch_size, self.instances - first), 0)
            for first in range(0, self.instances, self.batch_size)
        ]

    def random_batches(self, notifications: int, rows: int) -> list[Batch]:
        """Batches standing for ``notifications`` notifications, each ``rows`` random
        instances moved to another host."""
        rows = max(1, min(rows, self.instances))
        return [
            Batch(self._random.randrange(self.instances), self.stride, rows, round_)
            for round_ in range(1, math.ceil(notifications / self.batch_size) + 1)
        ]

    def _stands_for(self, batches: list[Batch]) -> int:
        """The notifications a pass stands for: the build-up's a row each, else a batch."""
        if all(batch.round == 0 for batch in batches):
            return sum(batch.size for batch in batches)
        return len(batches) * self.batch_size

    def _parameters(self, batch: Batch) -> dict[str, Any]:
        self._event_time_us += self.batch_size
        return {
            "template": self.template,
            "first": batch.first,
            "stride": batch.stride,
            "size": batch.size,
            "instances": self.instances,
            "hosts": self.hosts,
            "round": batch.round,
            "event_time_us": self._event_time_us,
        }

    def neo4j(self, batches: list[Batch]) -> CeilingResult:
        """Neo4j's own ceiling: rows made in Neo4j, one statement and transaction a batch."""
        query = ceiling_statement()
        server_ms = 0

        def write(tx: neo4j.ManagedTransaction, parameters: dict[str, Any]) -> int:
            summary = tx.run(query, parameters).consume()
            return (summary.result_available_after or 0) + (summary.result_consumed_after or 0)

        parameters = [self._parameters(batch) for batch in batches]
        with self.driver.session(database="neo4j") as session:
            # Planning the statement the first time takes a second or more: not the ceiling.
            session.execute_write(write, self._parameters(Batch(0, 1, 1, 0)))
        started = time.perf_counter()
        with self.driver.session(database="neo4j") as session:
            for batch_parameters in parameters:
                server_ms += session.execute_write(write, batch_parameters)
        seconds = time.perf_counter() - started
        return CeilingResult(
            sum(b.size for b in batches), len(batches), self._stands_for(batches), seconds,
            server_ms / 1000,
        )  # fmt: skip

    def driver_ceiling(self, batches: list[Batch]) -> CeilingResult:
        """The Python driver's ceiling: the same rows made in Python, sent as parameters."""
        made = [dict(self._python_rows(self._parameters(batch))) for batch in batches]
        queries = [
            (statements.load(name), "rows" if "$rows" in statements.load(name) else "keys",
             variable)
            for name, variable in BATCH_STATEMENTS
        ]  # fmt: skip

        def write(tx: neo4j.ManagedTransaction, rows: dict[str, Any]) -> None:
            for query, parameter, variable in queries:
                tx.run(query, {parameter: rows[variable]}).consume()

        started = time.perf_counter()
        with self.driver.session(database="neo4j") as session:
            for rows in made:
                session.execute_write(write, rows)
        seconds = time.perf_counter() - started
        return CeilingResult(
            sum(b.size for b in batches), len(batches), self._stands_for(batches), seconds, None
        )

    @staticmethod
    def _python_rows(parameters: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """What ceiling_rows.cypher makes, made in Python."""
        template, now = parameters["template"], parameters["event_time_us"]
        rows = []
        for k in range(parameters["size"]):
            n = (parameters["first"] + k * parameters["stride"]) % parameters["instances"]
            hostname = f"ceiling-compute-{(n + parameters['round']) % parameters['hosts']}"
            rows.append({
                "uuid": f"ceiling-instance-{n}",
                "hostname": hostname,
                "since_us": now + n,
                "since_rank": template["host_since_rank"],
                "since_id": template["host_since_id"],
                "describe": True,
                "flavorid": None,
                "properties": {
                    **template, "name": f"vm-{n}", "host": hostname, "node": hostname,
                    "event_time_us": now + n, "host_since_us": now + n,
                    "authoritative_at_us": now + n, "authoritative_host": hostname,
                    "authoritative_node": hostname,
                },
            })  # fmt: skip
        yield "rows", rows
        yield "uuids", sorted(row["uuid"] for row in rows)
        yield "hostnames", sorted({row["hostname"] for row in rows})
