"""The synchronizer's wiring: the listener, the batch handler, the periodic duties, the
metrics server, and a clean stop.

On SIGTERM or SIGINT the listener stops taking batches, the batch under way is committed or
handed back to the queue, and the process exits: nothing uncommitted is acknowledged.

This is one process. With ``[sync] processes`` above 1, ``supervisor`` runs it in each child.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from datetime import timedelta

import oslo_messaging
import tenacity
from oslo_config import cfg

from cdm_graph.apply.pipeline import Guard
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.deadletter import DeadLetterStore
from cdm_graph.gateway import retrying
from cdm_graph.memory import ready_to_consume
from cdm_graph.metrics import SyncMetrics, duties_check, serve
from cdm_graph.read.browser import label_compute_nodes
from cdm_graph.reconcile import periodic_duty as reconcile_duty
from cdm_graph.sync.duties import Duty, Scheduler
from cdm_graph.sync.handler import BatchHandler
from cdm_graph.transport.broker import kombu_connection, rabbitmq_check
from cdm_graph.transport.envelope import Rejection
from cdm_graph.transport.listener import BatchWindow, batch_listener
from cdm_graph.transport.rejected import RejectedDrain

LOG = logging.getLogger(__name__)

# Seconds between two moves of rejected messages into the dead-letter store.
REJECTED_DRAIN_INTERVAL = 2.0


def run(
    conf: cfg.ConfigOpts,
    writer: GraphWriter,
    url: str,
    stopping: threading.Event | None = None,
    periodic: bool = True,
) -> int:
    """Consume until SIGTERM or SIGINT (or ``stopping``); 1 if batches could not be applied,
    else 0. ``periodic``: run the periodic duties too (one process of a service does)."""
    stopping = stopping or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())

    metrics = SyncMetrics()
    writer = writer.with_retry(
        retrying(
            stop=tenacity.stop_when_event_set(stopping),
            sleep=stopping.wait,
            on_retry=lambda _: metrics.neo4j_retries.inc(),
        ),
        on_transaction_retry=metrics.neo4j_retries.inc,
    )
    writer.run_schema()
    writer.prepare()
    dead_letters = DeadLetterStore(writer)
    window = BatchWindow.configured(conf, metrics.batch_window_seconds.set)
    handler = BatchHandler(
        writer, dead_letters, metrics, stopping, Guard.configured(conf), window
    )

    transport = oslo_messaging.get_notification_transport(conf)
    listener = batch_listener(conf, transport, handler.handle)
    server = None
    if conf.sync.metrics_port:
        server = serve(
            conf.sync.metrics_host,
            conf.sync.metrics_port,
            metrics.registry,
            {
                "neo4j": writer.ping,
                "rabbitmq": rabbitmq_check(conf, url),
                "duties": duties_check(metrics.registry, metrics.duty_reasons),
            },
        )
    # Everything made so far lives as long as the process: out of the collector's passes;
    # what comes after lives as long as a message in flight, which its passes should wait for.
    ready_to_consume()
    listener.start()
    window.steer(listener)
    LOG.info(
        "consuming %s on exchange %s in pool %s (batch %d, %.2f s, up to %.2f s while "
        "behind, %d workers)",
        conf.notifications.topic,
        conf.notifications.exchange,
        conf.notifications.pool,
        conf.sync.batch_size,
        window.shortest,
        window.longest,
        conf.sync.workers,
    )
    # Each process sums up its own batches; the duties run in one process of a service.
    summary = Duty("activity_summary", conf.sync.log_interval, handler.log_summary, False)
    scheduled = duties(conf, writer, dead_letters, metrics, url) if periodic else []
    scheduler = Scheduler([*scheduled, summary], stopping, metrics).start()
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
        # A reconcile stops at its next write; one still listing the cloud ends with the
        # process. Each duty's writes are whole transactions.
        scheduler.join(timeout=10)
    LOG.info("stopped")
    return 1 if handler.failed else 0


def duties(
    conf: cfg.ConfigOpts,
    writer: GraphWriter,
    dead_letters: DeadLetterStore,
    metrics: SyncMetrics,
    url: str,
) -> list[Duty]:
    """Every periodic duty the configuration asks for."""

    def store_rejected(rejections: Sequence[Rejection]) -> None:
        dead_letters.store(rejections)
        metrics.record_dead_letters(rejections)

    drain = RejectedDrain(lambda: kombu_connection(conf, url), store_rejected)

    def expire_tombstones() -> None:
        expired = writer.expire_tombstones(timedelta(seconds=conf.graph.tombstone_ttl))
        if expired:
            LOG.info("expired %d tombstones", expired)

    scheduled = [
        # Moves what oslo.messaging rejected (cdm-graph.rejected) to the dead-letter store.
        Duty("rejected_drain", REJECTED_DRAIN_INTERVAL, drain.drain),
        Duty("tombstone_expiry", conf.sync.tombstone_expiry_interval, expire_tombstones),
    ]
    if conf.sync.browser_labels_interval:
        # The Browser's style selects by label only: keep those labels current.
        scheduled.append(
            Duty(
                "browser_labels",
                conf.sync.browser_labels_interval,
                lambda: label_compute_nodes(writer.gateway),
            )
        )
    reconcile = reconcile_duty(conf, writer)
    if reconcile is not None:
        scheduled.append(reconcile)
    return scheduled
