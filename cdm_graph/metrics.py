"""What the synchronizer does, for Prometheus, and whether it can work, for a health check.

One small HTTP server answers ``/metrics`` (Prometheus text format) and ``/healthz`` (JSON).
The status code says whether the synchronizer can do its work, applying notifications: 503
when a check fails (Neo4j or RabbitMQ unreachable, with several processes a child down),
200 otherwise. A periodic duty failing ``FAILING_AFTER`` times in a row (labels, tombstone
expiry, the rejected-body drain, reconcile) leaves that work going on: its check raises
``Degraded``, and the answer is 200 with ``"healthy": false``, ``"status": "degraded"`` and
the failing duties named, so that a load balancer or an orchestrator does not stop a
synchronizer that works, while monitoring sees what does not.

With ``[sync] processes`` above 1 each child writes its metrics into the directory
``PROMETHEUS_MULTIPROC_DIR`` names (prometheus_client's multiprocess mode) and the parent
serves their sum; the declarations below say how each gauge is combined.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from cdm_graph.transport.envelope import Rejection

LOG = logging.getLogger(__name__)

# A periodic duty failing this many times in a row makes /healthz report it.
FAILING_AFTER = 3


@dataclass(frozen=True, slots=True)
class DutyStreak:
    """A duty's failures since it last succeeded, and the last one's reason."""

    failures: int = 0
    reason: str = ""


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
        self.batch_window_seconds = Gauge(
            "cdm_graph_batch_window_seconds",
            "How long the listener gathers a batch: [sync] batch_timeout while the sync keeps "
            "up, longer (up to batch_timeout_max) while it is a second or more behind Nova's "
            "clock.",
            registry=self.registry,
            # Several processes: each has its own window; the widest says the sync is behind.
            multiprocess_mode="livemax",
        )
        self.neo4j_retries = Counter(
            "cdm_graph_neo4j_retries",
            "Transactions run again: by the driver (a deadlock, a leader switch) or after "
            "waiting for an absent Neo4j.",
            registry=self.registry,
        )
        self.future_events = Counter(
            "cdm_graph_future_events",
            "Notifications dead-lettered because their timestamp was ahead of this host's "
            "clock by more than [graph] max_clock_skew, by publisher (nova-compute:HOST): "
            "that host's clock is wrong.",
            ["publisher_id"],
            registry=self.registry,
        )
        self.duty_failures = Counter(
            "cdm_graph_duty_failures",
            "Failed runs of each periodic duty; each runs again at its next period.",
            ["duty"],
            registry=self.registry,
        )
        self.duty_streak = Gauge(
            "cdm_graph_duty_consecutive_failures",
            f"Failures of each periodic duty since it last succeeded; from {FAILING_AFTER} "
            "on, /healthz reports the synchronizer degraded.",
            ["duty"],
            registry=self.registry,
            # Several processes: the duties run in one of them.
            multiprocess_mode="livemax",
        )
        self._streaks: dict[str, DutyStreak] = {}
        self._streaks_lock = threading.Lock()

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

    def record_future_events(self, ahead: Mapping[str, int]) -> None:
        """Notifications set aside as too far ahead, by publisher."""
        for publisher_id, count in ahead.items():
            self.future_events.labels(publisher_id).inc(count)

    def duty_succeeded(self, duty: str) -> DutyStreak:
        """A duty ran to its end; returns the failures that preceded it."""
        with self._streaks_lock:
            ended = self._streaks.pop(duty, DutyStreak())
        self.duty_streak.labels(duty).set(0)
        return ended

    def duty_failed(self, duty: str, reason: str) -> DutyStreak:
        """A duty failed; returns its failures in a row, this one included."""
        with self._streaks_lock:
            streak = DutyStreak(self._streaks.get(duty, DutyStreak()).failures + 1, reason)
            self._streaks[duty] = streak
        self.duty_failures.labels(duty).inc()
        self.duty_streak.labels(duty).set(streak.failures)
        return streak

    def duty_reasons(self) -> dict[str, str]:
        """Why each duty of this process failed last, while it fails."""
        with self._streaks_lock:
            return {duty: streak.reason for duty, streak in self._streaks.items()}


class Unhealthy(Exception):
    """A check's failure whose message is the whole report (``1/2 alive``), where any other
    exception reports its component as unreachable."""


class Degraded(Exception):
    """A check's finding that leaves the service working (a periodic duty failing): its
    message is the report, "healthy" is false, and the answer stays 200."""


# A health check: returns what to report when healthy (None: "ok"), raises when not.
Check = Callable[[], str | None]


def duties_check(
    registry: CollectorRegistry, reasons: Callable[[], Mapping[str, str]] | None = None
) -> Check:
    """The check of the periodic duties, from ``cdm_graph_duty_consecutive_failures`` in
    ``registry`` (one process's, or the sum a parent serves): ``Degraded`` naming each duty
    failing ``FAILING_AFTER`` times or more in a row, with its last reason where ``reasons``
    knows it (the process running the duties)."""

    def check() -> None:
        failing = {
            sample.labels["duty"]: int(sample.value)
            for metric in registry.collect()
            if metric.name == "cdm_graph_duty_consecutive_failures"
            for sample in metric.samples
            if sample.value >= FAILING_AFTER
        }
        if failing:
            why = reasons() if reasons is not None else {}
            raise Degraded("; ".join(
                f"{duty} failed {count} times in a row"
                + (f", last: {why[duty]}" if duty in why else "")
                for duty, count in sorted(failing.items())
            ))

    return check


class _Handler(BaseHTTPRequestHandler):
    registry: CollectorRegistry
    checks: Mapping[str, Check]

    def do_GET(self) -> None:
        if self.path == "/metrics":
            self._answer(200, CONTENT_TYPE_LATEST, generate_latest(self.registry))
        elif self.path == "/healthz":
            report: dict[str, str] = {}
            healthy, degraded = True, False
            for name, check in self.checks.items():
                try:
                    report[name] = check() or "ok"
                except Degraded as exc:
                    report[name], degraded = str(exc), True
                except Unhealthy as exc:
                    report[name], healthy = str(exc), False
                except Exception as exc:  # any failure is the answer, not a crash
                    report[name], healthy = f"unreachable: {exc}", False
            status = "ok" if healthy and not degraded else "degraded" if healthy else "unavailable"
            body = json.dumps({"healthy": status == "ok", "status": status, **report}).encode()
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
