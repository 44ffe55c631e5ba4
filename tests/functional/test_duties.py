"""The periodic duties' statements against the real Neo4j, with elements changed under them.

A transaction of the test's own takes a node's lock and deletes (or renews) it; the duty then
waits on that lock (seen in ``SHOW TRANSACTIONS``, not guessed from a delay); the test
commits, and the duty goes on with the node gone or renewed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from cdm_graph.gateway import Gateway
from cdm_graph.read.browser import label_compute_nodes
from tests.graphs import read_graph
from tests.nova import notification

pytestmark = pytest.mark.functional

WAIT_SECONDS = 60


def _blocked(driver: Any) -> bool:
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) AS n"
    )
    return bool(records[0]["n"])


@contextmanager
def _in_background(work: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """Run ``work`` in a thread; the block's end waits for it. ``result`` or ``error``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield outcome
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive(), "the duty never ended"


def _wait_until_blocked(driver: Any) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not _blocked(driver):
        assert time.monotonic() < deadline, "the duty never waited for the test's lock"
        time.sleep(0.05)


@pytest.mark.parametrize("deleted", ["before the refresh locks it", "while it waits for it"])
def test_a_compute_node_deleted_under_the_label_refresh_is_skipped(apply, graph, deleted):
    for hostname in ("h1", "h2", "h3"):
        apply(notification("service.create", 1, host=hostname))
    with graph.session() as session:
        tx = session.begin_transaction()
        tx.run("MATCH (c:ComputeNode {hostname: 'h2'}) SET c.lock = true REMOVE c.lock").consume()
        if deleted == "before the refresh locks it":
            tx.run("MATCH (c:ComputeNode {hostname: 'h2'}) DETACH DELETE c").consume()
        with _in_background(lambda: label_compute_nodes(Gateway(graph))) as outcome:
            _wait_until_blocked(graph)
            tx.run("MATCH (c:ComputeNode {hostname: 'h2'}) DETACH DELETE c").consume()
            tx.commit()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"] == 2
    records, _, _ = graph.execute_query(
        "MATCH (c:ComputeNode) RETURN c.hostname AS hostname, labels(c) AS labels "
        "ORDER BY hostname"
    )
    assert [(r["hostname"], "Enabled" in r["labels"]) for r in records] == [
        ("h1", True), ("h3", True)
    ]


def test_a_tombstone_renewed_under_its_expiry_stays(apply, writer, graph):
    apply(notification("instance.delete.end", 0))  # long ago: expired
    uuid = next(iter(read_graph(graph)["InstanceTombstone"]))
    with graph.session() as session:
        tx = session.begin_transaction()
        # A batch deleting the instance again, now: its tombstone is renewed.
        tx.run(
            "MATCH (t:InstanceTombstone {uuid: $uuid}) "
            "SET t.deleted_at_us = 9000000000000000",
            uuid=uuid,
        ).consume()
        with _in_background(lambda: writer.expire_tombstones(timedelta(days=1))) as outcome:
            _wait_until_blocked(graph)
            tx.commit()
    assert outcome == {"result": 0}
    assert read_graph(graph)["InstanceTombstone"][uuid]["deleted_at_us"] == 9000000000000000


def test_a_tombstone_another_synchronizer_expires_meanwhile_is_no_error(apply, writer, graph):
    apply(notification("instance.delete.end", 0), notification("service.delete", 0))
    with graph.session() as session:
        tx = session.begin_transaction()
        tx.run("MATCH (t:InstanceTombstone) DELETE t").consume()
        with _in_background(lambda: writer.expire_tombstones(timedelta(days=1))) as outcome:
            _wait_until_blocked(graph)
            tx.commit()
    assert outcome == {"result": 1}  # the compute node's; the instance's went meanwhile
    after = read_graph(graph)
    assert after["InstanceTombstone"] == after["ComputeNodeTombstone"] == {}
