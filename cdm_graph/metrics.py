"""What the synchronizer does, for Prometheus, and whether it can work, for a health check.

One small HTTP server answers ``/metrics`` (Prometheus text format) and ``/healthz``
(JSON; 200 when every check passes: Neo4j and RabbitMQ reachable, and with several
processes every child alive; 503 otherwise).

With ``[sync] processes`` above 1 each child writes its metrics into the directory
``PROMETHEUS_MULTIPROC_DIR`` names (prometheus_client's multiprocess mode) and the parent
serves their sum; the declarations below say how each gauge is combined.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from cdm_graph.transport.envelope import Rejection

LOG = logging.getLogger(__name__)


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.messages = Counter(
            "cdm_graph_messages",
            "Notifications handled, by event type and outcome "
            "(applied, skipped, rejected, dead_lettered).",
            ["event_type", "outcome"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "cdm_graph_batch_seconds",
            "Time to decode and commit one batch, retries included.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "cdm_graph_batch_size",
            "Notifications in one batch.",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500),
            registry=self.registry,
        )
        self.lag_seconds = Gauge(
            "cdm_graph_lag_seconds",
            "Commit time minus Nova's timestamp of the newest notification of the last batch.",
            registry=self.registry,
            # Several processes: the last batch committed by any live one, as with one.
            multiprocess_mode="livemostrecent",
        )
        self.neo4j_retries = Counter(
            "cdm_graph_neo4j_retries",
            "Transactions run again: by the driver (a deadlock, a leader switch) or after "
            "waiting for an absent Neo4j.",
            registry=self.registry,
        )

    def record_batch(
        self,
        applied: Mapping[str, int],
        skipped: Mapping[str, int],
        rejected: Iterable[Rejection],
        size: int,
        seconds: float,
        lag: float | None,
    ) -> None:
        """One committed batch: its messages by event type and outcome, its size, its
        time, and the lag of its newest event (None: no message had a time)."""
        for event_type, count in applied.items():
            self.messages.labels(event_type, "applied").inc(count)
        for event_type, count in skipped.items():
            self.messages.labels(event_type, "skipped").inc(count)
        self.record_dead_letters(rejected)
        self.batch_seconds.observe(seconds)
        self.batch_size.observe(size)
        if lag is not None:
            self.lag_seconds.set(lag)

    def record_dead_letters(self, rejected: Iterable[Rejection]) -> None:
        for rejection in rejected:
            self.messages.labels(rejection.event_type or "", "dead_lettered").inc()


class Unhealthy(Exception):
    """A check's failure whose message is the whole report (``1/2 alive``), where any other
    exception reports its component as unreachable."""


# A health check: returns what to report when healthy (None: "ok"), raises when not.
Check = Callable[[], str | None]


class _Handler(BaseHTTPRequestHandler):
    registry: CollectorRegistry
    checks: Mapping[str, Check]

    def do_GET(self) -> None:
        if self.path == "/metrics":
            self._answer(200, CONTENT_TYPE_LATEST, generate_latest(self.registry))
        elif self.path == "/healthz":
            report: dict[str, str] = {}
            healthy = True
            for name, check in self.checks.items():
                try:
                    report[name] = check() or "ok"
                except Unhealthy as exc:
                    report[name], healthy = str(exc), False
                except Exception as exc:  # any failure is the answer, not a crash
                    report[name], healthy = f"unreachable: {exc}", False
            body = json.dumps({"healthy": healthy, **report}).encode()
            self._answer(200 if healthy else 503, "application/json", body)
        else:
            self._answer(404, "text/plain", b"not found\n")

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        LOG.debug("http: " + format, *args)


def serve(
    host: str, port: int, registry: CollectorRegistry, checks: Mapping[str, Check]
) -> ThreadingHTTPServer:
    """``/metrics`` from ``registry`` and ``/healthz`` from ``checks``, in a daemon thread."""
    handler = type("Handler", (_Handler,), {"registry": registry, "checks": checks})
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    LOG.info("metrics and health on http://%s:%d/metrics and /healthz", host, port)
    return server
