"""Periodic duties cannot die: a failure is counted and logged, the duty runs again at its
next period, and one failing again and again is named by the health check."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j.exceptions import ServiceUnavailable
from prometheus_client import CollectorRegistry, Gauge

from cdm_graph.metrics import FAILING_AFTER, Check, SyncMetrics, duties_check, serve
from cdm_graph.sync.duties import Duty, DutyFailed, Scheduler, run_periodically
from tests.bus import http_get


def _health(port: int) -> tuple[int, dict[str, Any]]:
    status, body = http_get(f"http://127.0.0.1:{port}/healthz")
    return status, json.loads(body)


def _checks(metrics: SyncMetrics, neo4j: Check = lambda: None) -> dict[str, Check]:
    """The checks of one synchronizer process, with ``neo4j`` standing in for the server."""
    return {
        "neo4j": neo4j,
        "rabbitmq": lambda: None,
        "duties": duties_check(metrics.registry, metrics.duty_reasons),
    }


@pytest.fixture
def metrics_server() -> Iterator[tuple[SyncMetrics, int]]:
    metrics = SyncMetrics()
    server = serve("127.0.0.1", 0, metrics.registry, _checks(metrics))
    yield metrics, server.server_address[1]
    server.shutdown()


def _value(metrics: SyncMetrics, name: str, duty: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"duty": duty})


def test_a_duty_failing_again_and_again_is_named_by_the_health_check_until_it_works(
    metrics_server, caplog
):
    metrics, port = metrics_server
    stopping = threading.Event()
    seen: list[tuple[int, dict[str, Any]]] = []

    def label_refresh() -> None:
        # What the health check says when this round begins: the rounds before are counted.
        seen.append(_health(port))
        if len(seen) <= FAILING_AFTER + 1:
            raise RuntimeError("Neo.ClientError.Statement.EntityNotFound")
        if len(seen) == FAILING_AFTER + 3:
            stopping.set()

    with caplog.at_level(logging.INFO, logger="cdm_graph.sync.duties"):
        Scheduler([Duty("browser_labels", 0.001, label_refresh)], stopping, metrics).start()
        assert stopping.wait(60), "the duty stopped running"

    statuses = [status for status, _ in seen]
    assert statuses == [200] * len(seen)  # the synchronizer still works: no 503
    assert [report["healthy"] for _, report in seen] == [True] * FAILING_AFTER + [
        False, False, True
    ]
    degraded = seen[FAILING_AFTER][1]
    assert degraded["status"] == "degraded"
    assert degraded["duties"] == (
        "browser_labels failed 3 times in a row, last: "
        "RuntimeError('Neo.ClientError.Statement.EntityNotFound')"
    )
    assert seen[-1][1] == {
        "healthy": True, "status": "ok", "neo4j": "ok", "rabbitmq": "ok", "duties": "ok"
    }
    assert _value(metrics, "cdm_graph_duty_failures_total", "browser_labels") == FAILING_AFTER + 1
    assert _value(metrics, "cdm_graph_duty_consecutive_failures", "browser_labels") == 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage().split(" (")[0] for r in errors] == [
        "duty browser_labels failed 3 times in a row"
    ]
    assert "duty browser_labels works again after 4 failures" in caplog.text


def test_every_kind_of_failure_leaves_the_duty_running_and_is_counted(caplog):
    stopping = threading.Event()
    failures: list[BaseException] = [
        ServiceUnavailable("connection refused"),
        DutyFailed("reconcile incomplete: Nova unreachable"),
        KeyError("a bug"),
    ]

    def duty() -> None:
        if failures:
            raise failures.pop(0)
        stopping.set()

    metrics = SyncMetrics()
    with caplog.at_level(logging.WARNING, logger="cdm_graph.sync.duties"):
        run_periodically(Duty("reconcile", 0.001, duty), stopping, metrics)
    assert _value(metrics, "cdm_graph_duty_failures_total", "reconcile") == 3
    messages = [record.getMessage() for record in caplog.records]
    assert "Neo4j unavailable: connection refused" in messages[0]
    assert "reconcile incomplete: Nova unreachable" in messages[1]
    # A known cause is said in full; an unexpected error comes with its traceback.
    assert [bool(record.exc_info) for record in caplog.records] == [False, False, True]


def test_a_duty_not_at_start_waits_one_period_first():
    stopping = threading.Event()
    stopping.set()
    ran: list[int] = []
    run_periodically(Duty("activity_summary", 60, lambda: ran.append(1), at_start=False), stopping)
    assert ran == []


def test_the_health_check_is_503_when_neo4j_is_unreachable_whatever_the_duties():
    metrics = SyncMetrics()
    for _ in range(FAILING_AFTER):
        metrics.duty_failed("tombstone_expiry", "Neo4j unavailable")

    def unreachable() -> None:
        raise ServiceUnavailable("connection refused")

    server = serve("127.0.0.1", 0, metrics.registry, _checks(metrics, unreachable))
    try:
        status, report = _health(server.server_address[1])
    finally:
        server.shutdown()
    assert status == 503
    assert (report["healthy"], report["status"]) == (False, "unavailable")
    assert report["neo4j"] == "unreachable: connection refused"
    assert report["duties"] == "tombstone_expiry failed 3 times in a row, last: Neo4j unavailable"


def test_a_parent_names_a_failing_duty_from_the_summed_gauge_without_its_reason():
    registry = CollectorRegistry()
    streak = Gauge("cdm_graph_duty_consecutive_failures", "Failures.", ["duty"], registry=registry)
    streak.labels("reconcile").set(FAILING_AFTER + 1)
    streak.labels("browser_labels").set(FAILING_AFTER - 1)
    with pytest.raises(Exception, match=r"^reconcile failed 4 times in a row$"):
        duties_check(registry)()
