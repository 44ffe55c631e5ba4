"""The gateway runs managed transactions against the real Neo4j, says when the driver runs
one again, and runs several statements as one."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import neo4j
import pytest
from neo4j.exceptions import TransientError

from cdm_graph import statements
from cdm_graph.apply.pipeline import process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.gateway import NO_WAIT, Gateway, Neo4jSettings, run, run_in_sequence
from tests.nova import notification

UUID = "00000000-0000-0000-0000-000000000001"
AGGREGATE = "00000000-0000-0000-0000-00000000a001"


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


def test_a_statement_naming_a_property_no_element_ever_had_logs_no_warning(
    neo4j_target: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # What every batch statement is on a graph that has not yet seen some family: Neo4j
    # warns "property key does not exist" (and keeps the warning with the plan).
    statement = f"MATCH (i:Instance) WHERE i.never_{uuid.uuid4().hex} IS NOT NULL RETURN 1"
    settings = Neo4jSettings(
        neo4j_target["uri"], neo4j_target["username"], neo4j_target["password"]
    )
    with caplog.at_level(logging.WARNING, logger="neo4j.notifications"):
        with settings.driver() as driver:
            driver.execute_query(statement)
        ours = [record.getMessage() for record in caplog.records]
        caplog.clear()
        # The same statement through a driver left as it comes: the warning the test is about.
        with neo4j.GraphDatabase.driver(
            neo4j_target["uri"], auth=(neo4j_target["username"], neo4j_target["password"])
        ) as plain:
            plain.execute_query(statement)
        theirs = [record.getMessage() for record in caplog.records]
    assert ours == []
    assert any("property key does not exist" in message for message in theirs)


@pytest.mark.parametrize("read", ["read", "read_streamed"])
def test_reads_run_in_read_mode_and_cannot_write(graph: Any, read: str) -> None:
    gateway = Gateway(graph, retry=NO_WAIT)
    try:
        getattr(gateway, read)(lambda tx: tx.run("CREATE (:ReadModeProbe)").consume())
    except neo4j.exceptions.ClientError as refused:
        assert "write" in str(refused).lower()
    else:
        raise AssertionError("a READ transaction wrote")
    assert gateway.query("client/compute_nodes") == []


def test_a_streamed_read_gives_every_record_of_each_statement_in_order(graph: Any) -> None:
    # More records than the driver asks for at a time by default (1,000), and a second
    # statement run before the first is read to its end.
    gateway = Gateway(graph, retry=NO_WAIT)

    def work(tx: neo4j.ManagedTransaction) -> tuple[list[int], list[int]]:
        first = tx.run("UNWIND range(1, 2500) AS n RETURN n")
        second = tx.run("UNWIND range(1, 3) AS n RETURN n")
        return [n for [n] in first], [n for [n] in second]

    assert gateway.read_streamed(work) == (list(range(1, 2501)), [1, 2, 3])


READS = ["batch/instance/read", "batch/compute_node/read", "batch/aggregate/read"]


def _apply_a_small_cloud(graph: Any) -> None:
    writer = GraphWriter(graph)
    writer.run_schema()
    process_batch(writer, [
        notification("service.create", 1, host="h1"),
        notification("instance.create.end", 2, uuid=UUID, host="h1"),
        notification("aggregate.create.end", 3, uuid=AGGREGATE, hosts=["h1", "h2"]),
    ])


def test_statements_read_in_sequence_return_the_rows_each_returns_alone(graph: Any) -> None:
    _apply_a_small_cloud(graph)
    keys = {"batch/instance/read": [UUID, "unknown"], "batch/compute_node/read": ["h1", "h2"],
            "batch/aggregate/read": [AGGREGATE]}
    gateway = Gateway(graph, retry=NO_WAIT)

    def alone(tx: neo4j.ManagedTransaction) -> list[list[dict[str, Any]]]:
        return [[record.data() for record in run(tx, name, keys=keys[name])] for name in READS]

    def together(tx: neo4j.ManagedTransaction) -> list[list[dict[str, Any]]]:
        return run_in_sequence(tx, (), [(name, {"keys": keys[name]}) for name in READS])

    expected = gateway.read(alone)
    assert [len(rows) for rows in expected] == [1, 2, 1]
    assert gateway.read(together) == expected


def test_a_statement_read_in_sequence_that_finds_nothing_leaves_the_others_rows(
    graph: Any,
) -> None:
    _apply_a_small_cloud(graph)
    gateway = Gateway(graph, retry=NO_WAIT)
    rows = gateway.read(lambda tx: run_in_sequence(tx, (), [
        ("batch/instance/read", {"keys": ["unknown"]}),
        ("batch/compute_node/read", {"keys": ["h1"]}),
    ]))
    assert rows[0] == []
    assert [row["hostname"] for row in rows[1]] == ["h1"]


def _cached_plans(graph: Any) -> int:
    """How many plans Neo4j's query caches hold; they are emptied."""
    message = graph.execute_query("CALL db.clearQueryCaches()").records[0][0]
    return int(message.split(" of ")[1].split()[0]) if " of " in message else 0


def test_statements_in_sequence_are_planned_once_whatever_the_sizes_of_their_lists(
    graph: Any,
) -> None:
    # A list's size is part of a plan's key in Neo4j's cache: the key lists of a batch's
    # families would make each mix of sizes a plan of its own, at ~0.3 s each.
    gateway = Gateway(graph, retry=NO_WAIT)
    _cached_plans(graph)
    for size in (1, 0, 300):
        keys = [f"{n:08x}" for n in range(size)]
        gateway.read(lambda tx, keys=keys: run_in_sequence(
            tx, (), [(name, {"keys": keys}) for name in READS]
        ))
    assert _cached_plans(graph) == 1


def test_every_batch_reads_in_the_same_two_statements_whatever_its_families(
    graph: Any, monkeypatch: Any
) -> None:
    # Each mix of families would be a plan of its own (~0.3 s to make): every family reads
    # at each step, with no keys where it has none.
    texts: set[str] = set()
    in_sequence = statements.in_sequence

    def recorded(bodies: tuple[str, ...], reading: tuple[str, ...] = ()) -> str:
        text = in_sequence(bodies, reading)
        if reading:
            texts.add(text)
        return text

    monkeypatch.setattr(statements, "in_sequence", recorded)
    writer = GraphWriter(graph)
    writer.run_schema()
    process_batch(writer, [notification("instance.create.end", 1, uuid=UUID, host="h1")])
    process_batch(writer, [
        notification("aggregate.create.end", 2, uuid=AGGREGATE, hosts=["h1"]),
        notification("flavor.create", 2),
        notification("server_group.add_member", 2, members=[UUID]),
        notification("service.delete", 3, host="h2"),
    ])
    # One look before locking, one read under the locks.
    assert len(texts) == 2


def test_a_rehearsed_transaction_returns_its_result_and_keeps_nothing(graph: Any) -> None:
    gateway = Gateway(graph, retry=NO_WAIT)

    def create(tx: neo4j.ManagedTransaction) -> int:
        record = tx.run("CREATE (n:Rehearsed) RETURN count(n) AS made").single()
        assert record is not None
        return int(record["made"])

    assert gateway.rehearse(create) == 1
    assert graph.execute_query("MATCH (n:Rehearsed) RETURN count(n)").records[0][0] == 0


def test_prepare_leaves_the_graph_as_it_was(graph: Any) -> None:
    writer = GraphWriter(graph)
    writer.run_schema()
    process_batch(writer, [notification("instance.create.end", 1, uuid=UUID, host="h1")])
    counted = "MATCH (n) RETURN labels(n) AS labels, count(*) AS count ORDER BY count"
    before = graph.execute_query(counted).records
    writer.prepare()
    assert graph.execute_query(counted).records == before


def test_prepare_plans_every_statement_the_batches_of_a_built_cloud_run(graph: Any) -> None:
    # Each of them planned at a batch costs it 0.3-1 s, and every notification behind it.
    writer = GraphWriter(graph)
    writer.run_schema()
    # Its hosts and its flavor described: no stub for a batch's cleanup to look for.
    process_batch(writer, [
        notification("service.create", 1, host="h1"),
        notification("service.create", 1, host="h2"),
        notification("flavor.create", 1),
        notification("instance.create.end", 1, uuid=UUID, host="h1"),
    ])  # fmt: skip
    _cached_plans(graph)
    writer.prepare()
    prepared = _cached_plans(graph)
    writer.prepare()
    process_batch(writer, [notification("instance.update", 2, uuid=UUID, host="h1")])
    process_batch(writer, [
        notification("instance.live_migration_post_dest.end", 3, uuid=UUID, host="h2"),
        notification("service.update", 3, host="h1", disabled=True),
    ])  # fmt: skip
    process_batch(writer, [notification("instance.delete.end", 4, uuid=UUID, host="h2")])
    assert prepared == 4  # the look for named keys, the locks, the reads, the writes
    assert _cached_plans(graph) == prepared
