"""The benchmark's own Neo4j: guarded wiping, loading a cloud, the apply-side measurements
(cdm-graph's batches, one transaction per notification), and the graph against a truth."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo4j

from cdm_graph.apply.pipeline import process_batch, process_batches
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.statements import CypherFolder
from cdm_graph.transport.envelope import Envelope
from tests.graphs import read_truth_view, truth_differences

# The benchmark's own statements, loaded as the product's are.
CYPHER = CypherFolder(Path(__file__).resolve().parent / "cypher")
statement = CYPHER.load


class ForeignData(RuntimeError):
    """The graph holds data the benchmark did not write."""


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` items in ``seconds``."""

    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


def batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BenchGraph:
    def __init__(self, target: dict[str, Any]) -> None:
        self.uri = target["uri"]
        # The benchmark's own statements would warn of labels absent from an empty graph.
        self.driver = neo4j.GraphDatabase.driver(
            self.uri,
            auth=(target["username"], target["password"]),
            notifications_min_severity="OFF",
        )
        self.writer = GraphWriter(self.driver)

    def close(self) -> None:
        self.driver.close()

    def version(self) -> str:
        records, _, _ = self.driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        )
        return ", ".join(f"{r['name']} {r['version']} {r['edition']}" for r in records)

    def claim(self, force: bool) -> None:
        """Refuse a graph holding someone's data unless ``force``; then mark it ours."""
        records, _, _ = self.driver.execute_query(statement("foreign_nodes"))
        nodes, markers = records[0]["nodes"], records[0]["markers"]
        if nodes > markers and not markers and not force:
            raise ForeignData(
                f"the graph at {self.uri} holds {nodes} nodes the benchmark did not "
                "write; it wipes its graph, so it refuses. Point it at a Neo4j of its own "
                "(CDM_GRAPH_STACK_DIR and CDM_GRAPH_NEO4J_*_PORT for a second local stack), "
                "or pass --force to wipe it anyway."
            )
        self.wipe()
        self.mark()

    def mark(self) -> None:
        self.driver.execute_query(
            statement("mark"), started=datetime.now(UTC).isoformat(timespec="seconds")
        )

    def wipe(self) -> None:
        with self.driver.session() as session:
            session.run(statement("wipe")).consume()
        self.writer.run_schema()

    def counts(self) -> dict[str, int]:
        records, _, _ = self.driver.execute_query(statement("counts"))
        return {"compute_nodes": records[0]["compute_nodes"], "instances": records[0]["instances"]}

    def dead_letters(self) -> int:
        records, _, _ = self.driver.execute_query(statement("dead_letters"))
        return int(records[0]["dead_letters"])

    def differences(self, truth: dict[str, dict[str, Any]]) -> list[str]:
        """Every way the graph differs from ``truth`` (``NovaSimulator.truth()``'s terms)."""
        return truth_differences(truth, read_truth_view(self.driver), limit=10**9)

    # --- measurements ----------------------------------------------------------------------

    def apply(self, stream: Sequence[Envelope], batch_size: int, ahead: bool = True) -> Rate:
        """cdm-graph's own path without a broker: decode, plan, apply, batch by batch; each
        batch decoded while the one before it is applied, as ``cdm-graph replay`` runs it
        (``process_batches``), or, ``ahead`` False, one batch after another
        (``process_batch``: all of it in this thread, for a profile)."""
        started = time.perf_counter()
        outcomes = (
            process_batches(self.writer, batches(stream, batch_size))
            if ahead
            else (process_batch(self.writer, batch) for batch in batches(stream, batch_size))
        )
        for outcome in outcomes:
            if outcome.rejected:
                raise RuntimeError(f"the bench stream was rejected: {outcome.rejected[:3]}")
        return Rate(len(stream), time.perf_counter() - started)

    def naive(self, stream: Sequence[Envelope]) -> Rate:
        """The naive way: every notification its own transaction."""
        started = time.perf_counter()
        for envelope in stream:
            process_batch(self.writer, [envelope])
        return Rate(len(stream), time.perf_counter() - started)
