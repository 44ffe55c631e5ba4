"""The gateway runs managed transactions against the real Neo4j, and says when the driver
runs one again."""

from __future__ import annotations

from typing import Any

import neo4j
from neo4j.exceptions import TransientError

from cdm_graph.gateway import NO_WAIT, Gateway


def test_a_transaction_the_driver_runs_again_is_reported(graph: Any) -> None:
    retries: list[int] = []
    gateway = Gateway(graph, retry=NO_WAIT, on_transaction_retry=lambda: retries.append(1))
    runs: list[int] = []

    def work(tx: neo4j.ManagedTransaction) -> int:
        runs.append(1)
        if len(runs) == 1:
            # What Neo4j answers to the loser of a deadlock.
            raise TransientError("Neo.TransientError.Transaction.DeadlockDetected")
        record = tx.run("RETURN 1 AS one").single()
        assert record is not None
        return int(record["one"])

    assert gateway.write(work) == 1
    assert (len(runs), len(retries)) == (2, 1)


def test_reads_run_in_read_mode_and_cannot_write(graph: Any) -> None:
    gateway = Gateway(graph, retry=NO_WAIT)
    try:
        gateway.read(lambda tx: tx.run("CREATE (:ReadModeProbe)").consume())
    except neo4j.exceptions.ClientError as refused:
        assert "write" in str(refused).lower()
    else:
        raise AssertionError("a READ transaction wrote")
    assert gateway.query("client/compute_nodes") == []
