"""``cdm-graph sync``: consume Nova's versioned notifications and keep the graph in step.

Transport is oslo.messaging's batch notification listener, in a named pool, with endpoints
for every priority. A batch is acknowledged when its endpoint returns, so the endpoint
returns only once the batch is committed in Neo4j, with its bad messages in the dead-letter
store. While Neo4j is away the endpoint waits (tenacity's backoff) and the batch stays
unacknowledged; the prefetch bound keeps the rest in RabbitMQ, so memory stays flat and
nothing spins. On SIGTERM or SIGINT the waiting gives up, the batch is handed back to the
queue (requeue) and the process exits: nothing uncommitted is acknowledged.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import kombu
import oslo_messaging
import tenacity
from kombu.exceptions import KombuError
from oslo_config import cfg

from cdm_graph.apply import GraphWriter
from cdm_graph.browser import HIGH_LOAD, MEDIUM_LOAD
from cdm_graph.deadletter import DeadLetterStore
from cdm_graph.events import Envelope, Rejected
from cdm_graph.gateway import RETRYABLE, retrying
from cdm_graph.messages import from_listener
from cdm_graph.metrics import SyncMetrics, serve
from cdm_graph.pipeline import Rejection, process_batch

LOG = logging.getLogger(__name__)

# Where RabbitMQ dead-letters what oslo.messaging rejects from the pool's queue (a body it
# cannot parse), by a policy the operator sets (README); the drain below empties it.
REJECTED_EXCHANGE = "cdm-graph.rejected"
# Seconds between two moves of rejected messages into the dead-letter store.
REJECTED_DRAIN_INTERVAL = 2.0

HANDLED = oslo_messaging.NotificationResult.HANDLED
REQUEUE = oslo_messaging.NotificationResult.REQUEUE


class BatchHandler:
    """Applies one batch and returns only when it may be acknowledged."""

    def __init__(
        self,
        writer: GraphWriter,
        dead_letters: DeadLetterStore,
        metrics: SyncMetrics,
        stopping: threading.Event,
    ) -> None:
        self._writer = writer
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._stopping = stopping
        self.failed = False

    def handle(self, messages: Sequence[Mapping[str, Any]], priority: str) -> Any:
        if self._stopping.is_set():
            # A batch requeued on the way out comes straight back to this consumer until the
            # listener stops: hand it back without waiting for Neo4j again.
            return REQUEUE
        started = time.monotonic()
        envelopes: list[Envelope] = []
        unreadable: list[Rejection] = []
        for message in messages:
            try:
                envelopes.append(
                    from_listener(
                        message.get("publisher_id", ""),
                        message.get("event_type"),  # type: ignore[arg-type]
                        message.get("payload"),
                        message.get("metadata") or {},
                        priority,
                    )
                )
            except Rejected as exc:
                unreadable.append(Rejection(str(exc), dict(message), message.get("event_type")))
        try:
            outcome = process_batch(self._writer, envelopes)
            rejected = [*unreadable, *outcome.rejected]
            self._dead_letters.store(rejected)
        except RETRYABLE as exc:
            # Only when stopping: the writer waits for Neo4j as long as the service runs.
            LOG.warning("stopping with %d messages uncommitted (%s): requeued", len(messages), exc)
            return REQUEUE
        except Exception:
            # Not the messages' fault (wrong credentials, a bug): requeueing would spin, and
            # acknowledging would lose them. Stop, and let the operator see why.
            LOG.exception("cannot apply batches: stopping, %d messages requeued", len(messages))
            self.failed = True
            self._stopping.set()
            return REQUEUE
        for event_type, count in outcome.applied.items():
            self._metrics.messages.labels(event_type, "applied").inc(count)
        for event_type, count in outcome.skipped.items():
            self._metrics.messages.labels(event_type, "skipped").inc(count)
        for rejection in rejected:
            self._metrics.messages.labels(rejection.event_type or "", "dead_lettered").inc()
        elapsed = time.monotonic() - started
        self._metrics.batch_seconds.observe(elapsed)
        self._metrics.batch_size.observe(len(messages))
        lag = None
        if envelopes:
            newest = max(envelope.time for envelope in envelopes)
            lag = (datetime.now(UTC).replace(tzinfo=None) - newest).total_seconds()
            self._metrics.lag_seconds.set(lag)
        LOG.info(
            "batch committed: messages=%d applied=%d skipped=%d dead_lettered=%d "
            "seconds=%.3f lag=%s",
            len(messages),
            sum(outcome.applied.values()),
            sum(outcome.skipped.values()),
            len(rejected),
            elapsed,
            "-" if lag is None else f"{lag:.3f}",
        )
        return HANDLED


class NotificationEndpoint:
    """oslo.messaging calls one method per priority present in a batch. Nova sends ``info``
    and ``error``; the others are here so that no message is acknowledged unseen."""

    def __init__(self, handler: BatchHandler) -> None:
        self._handler = handler

    def audit(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "AUDIT")

    def debug(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "DEBUG")

    def info(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "INFO")

    def warn(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "WARN")

    def error(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "ERROR")

    def critical(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "CRITICAL")

    def sample(self, messages: list[dict[str, Any]]) -> Any:
        return self._handler.handle(messages, "SAMPLE")


def kombu_connection(conf: cfg.ConfigOpts, url: str | None) -> kombu.Connection:
    """A plain AMQP connection to the first broker of ``url``, for what oslo.messaging does
    not offer: the health check and the rejected-message queue."""
    parsed = oslo_messaging.TransportURL.parse(conf, url)
    host = parsed.hosts[0] if parsed.hosts else None
    return kombu.Connection(
        hostname=(host.hostname if host else None) or "localhost",
        port=(host.port if host else None) or 5672,
        userid=(host.username if host else None) or "guest",
        password=(host.password if host else None) or "guest",
        virtual_host=parsed.virtual_host or "/",
        connect_timeout=3,
    )


def rabbitmq_check(conf: cfg.ConfigOpts, url: str | None) -> Callable[[], None]:
    """A check that opens and closes one AMQP connection to the first broker of ``url``."""

    def check() -> None:
        connection = kombu_connection(conf, url)
        try:
            connection.ensure_connection(max_retries=1)
        finally:
            connection.release()

    return check


class RejectedDrain:
    """Moves what oslo.messaging rejected into the dead-letter store.

    oslo.messaging rejects a body it cannot parse before any endpoint sees it; RabbitMQ
    drops it unless a policy dead-letters the pool's queue to ``REJECTED_EXCHANGE``
    (the repository's ``tools/stack up`` sets one; the README gives the command for other
    brokers).
    This declares that exchange and its queue, and stores each message with its reason
    before acknowledging it.
    """

    def __init__(
        self,
        connect: Callable[[], kombu.Connection],
        dead_letters: DeadLetterStore,
        metrics: SyncMetrics,
    ) -> None:
        self._connect = connect
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._exchange = kombu.Exchange(REJECTED_EXCHANGE, "fanout", durable=True)
        self._queue = kombu.Queue(REJECTED_EXCHANGE, self._exchange, durable=True)

    def drain(self, limit: int = 500) -> int:
        """Store and acknowledge what waits, up to ``limit``; returns how many."""
        moved = 0
        with self._connect() as connection:
            queue = self._queue(connection.default_channel)
            queue.declare()
            while moved < limit:
                message = queue.get(no_ack=False)
                if message is None:
                    break
                self._dead_letters.store([_rejection(message)])
                message.ack()
                self._metrics.messages.labels("", "dead_lettered").inc()
                moved += 1
        if moved:
            LOG.warning("%d unparseable messages moved to the dead-letter store", moved)
        return moved


def _rejection(message: kombu.Message) -> Rejection:
    body = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    deaths = (message.headers or {}).get("x-death") or [{}]
    death = deaths[0]
    where = ", ".join(
        f"{key} {value}"
        for key, value in (
            ("queue", death.get("queue")),
            ("routing key", ",".join(death.get("routing-keys") or [])),
        )
        if value
    )
    return Rejection(
        f"unparseable body, rejected by oslo.messaging ({where or 'origin unknown'})", text
    )


def bound_prefetch(conf: cfg.ConfigOpts) -> None:
    """RabbitMQ's default prefetch (0) pulls the whole backlog into memory: bound it."""
    rabbit = conf.oslo_messaging_rabbit
    if rabbit.rabbit_qos_prefetch_count <= 0:
        prefetch = 2 * conf.sync.batch_size * conf.sync.workers
        conf.set_override("rabbit_qos_prefetch_count", prefetch, group="oslo_messaging_rabbit")
        LOG.info("rabbit_qos_prefetch_count was unbounded: set to %d", prefetch)


def run(
    conf: cfg.ConfigOpts,
    writer: GraphWriter,
    url: str,
    stopping: threading.Event | None = None,
) -> int:
    stopping = stopping or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())

    metrics = SyncMetrics()
    writer = writer.with_retry(
        retrying(
            stop=tenacity.stop_when_event_set(stopping),
            sleep=stopping.wait,
            on_retry=lambda _: metrics.neo4j_retries.inc(),
        )
    )
    writer.run_schema()
    dead_letters = DeadLetterStore(writer)
    handler = BatchHandler(writer, dead_letters, metrics, stopping)
    rejected = RejectedDrain(lambda: kombu_connection(conf, url), dead_letters, metrics)

    transport = oslo_messaging.get_notification_transport(conf)
    bound_prefetch(conf)
    targets = [
        oslo_messaging.Target(
            topic=conf.notifications.topic, exchange=conf.notifications.exchange
        )
    ]
    listener = oslo_messaging.get_batch_notification_listener(
        transport,
        targets,
        [NotificationEndpoint(handler)],
        executor="threading",
        allow_requeue=True,
        pool=conf.notifications.pool,
        batch_size=conf.sync.batch_size,
        batch_timeout=conf.sync.batch_timeout,
    )
    conf.set_override("executor_thread_pool_size", conf.sync.workers)
    server = None
    if conf.sync.metrics_port:
        server = serve(
            conf.sync.metrics_host,
            conf.sync.metrics_port,
            metrics,
            {"neo4j": writer.ping, "rabbitmq": rabbitmq_check(conf, url)},
        )
    listener.start()
    LOG.info(
        "consuming %s on exchange %s in pool %s (batch %d, %.2f s, %d workers)",
        conf.notifications.topic,
        conf.notifications.exchange,
        conf.notifications.pool,
        conf.sync.batch_size,
        conf.sync.batch_timeout,
        conf.sync.workers,
    )
    from cdm_graph.reconcile import start_periodic

    reconciler = start_periodic(conf, writer, stopping)
    # The duties may each wait a whole driver retry (up to [neo4j]
    # max_transaction_retry_time) on an absent Neo4j: in a thread of their own, they never
    # hold back a stop. Each is idempotent, so one cut short by the exit is simply redone.
    housekeeping = threading.Thread(
        target=_housekeeping,
        args=(conf, writer, rejected, stopping),
        name="housekeeping",
        daemon=True,
    )
    housekeeping.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        LOG.info("stopping: finishing the batches under way")
        listener.stop()
        listener.wait()
        transport.cleanup()
        if server is not None:
            server.shutdown()
        if reconciler is not None:
            # A reconcile stops at its next write; one still listing the cloud ends with the
            # process (a daemon thread). Each of its writes is a whole transaction.
            reconciler.join(timeout=10)
    LOG.info("stopped")
    return 1 if handler.failed else 0


def _housekeeping(
    conf: cfg.ConfigOpts,
    writer: GraphWriter,
    rejected: RejectedDrain,
    stopping: threading.Event,
) -> None:
    """The sync's periodic duties, each when due, until a signal says stop."""
    next_expiry = next_drain = next_labels = time.monotonic()
    while not stopping.wait(1.0):
        if conf.sync.browser_labels_interval and time.monotonic() >= next_labels:
            # The Browser's style selects by label only: keep those labels current.
            next_labels = time.monotonic() + conf.sync.browser_labels_interval
            with contextlib.suppress(*RETRYABLE):  # only when stopping
                writer.run("browser/label_compute_nodes", medium=MEDIUM_LOAD, high=HIGH_LOAD)
        if not stopping.is_set() and time.monotonic() >= next_drain:
            next_drain = time.monotonic() + REJECTED_DRAIN_INTERVAL
            try:
                rejected.drain()
            except RETRYABLE:
                pass  # stopping
            except (OSError, KombuError) as exc:
                LOG.warning("cannot drain %s: %s", REJECTED_EXCHANGE, exc)
        if not stopping.is_set() and time.monotonic() >= next_expiry:
            next_expiry = time.monotonic() + conf.sync.tombstone_expiry_interval
            try:
                expired = writer.expire_tombstones(timedelta(seconds=conf.graph.tombstone_ttl))
                if expired:
                    LOG.info("expired %d tombstones", expired)
            except RETRYABLE:
                pass  # stopping
