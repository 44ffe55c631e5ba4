"""The /healthz and /metrics server, on a loopback port, with checks standing in for servers."""

from __future__ import annotations

import json

from prometheus_client import CollectorRegistry, Counter

from cdm_graph.metrics import Unhealthy, serve
from tests.bus import http_get


def test_health_reports_each_check_and_answers_503_when_one_fails():
    def neo4j_down() -> None:
        raise ConnectionRefusedError("connection refused")

    def one_child_down() -> str:
        raise Unhealthy("1/2 alive")

    server = serve(
        "127.0.0.1",
        0,
        CollectorRegistry(),
        {"neo4j": neo4j_down, "rabbitmq": lambda: None, "children": one_child_down},
    )
    try:
        port = server.server_address[1]
        status, body = http_get(f"http://127.0.0.1:{port}/healthz")
    finally:
        server.shutdown()
    assert status == 503
    assert json.loads(body) == {
        "healthy": False,
        "status": "unavailable",
        "neo4j": "unreachable: connection refused",
        "rabbitmq": "ok",
        "children": "1/2 alive",
    }


def test_health_reports_what_a_passing_check_says_and_metrics_come_from_the_registry():
    registry = CollectorRegistry()
    Counter("cdm_graph_test", "A counter.", registry=registry).inc(3)
    server = serve("127.0.0.1", 0, registry, {"children": lambda: "2/2 alive"})
    try:
        port = server.server_address[1]
        health = http_get(f"http://127.0.0.1:{port}/healthz")
        metrics = http_get(f"http://127.0.0.1:{port}/metrics")
    finally:
        server.shutdown()
    assert health == (
        200, json.dumps({"healthy": True, "status": "ok", "children": "2/2 alive"})
    )
    assert metrics[0] == 200 and "cdm_graph_test_total 3.0" in metrics[1]
