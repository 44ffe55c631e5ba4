"""One batch from the listener to a commit.

The listener acknowledges a batch when the handler returns, so the handler returns only once
the batch is committed in Neo4j, with its bad messages in the dead-letter store. While Neo4j
is away it waits (the gateway's backoff) and the batch stays unacknowledged; on a stop the
waiting gives up and the batch is handed back to the queue: nothing uncommitted is
acknowledged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cdm_graph.apply.pipeline import Guard, process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.deadletter import DeadLetterStore
from cdm_graph.gateway import RETRYABLE
from cdm_graph.metrics import SyncMetrics
from cdm_graph.transport.envelope import Envelope, Rejected, Rejection, from_listener
from cdm_graph.transport.listener import HANDLED, REQUEUE

LOG = logging.getLogger(__name__)


class BatchHandler:
    """Applies one batch and returns only when it may be acknowledged."""

    def __init__(
        self,
        writer: GraphWriter,
        dead_letters: DeadLetterStore,
        metrics: SyncMetrics,
        stopping: threading.Event,
        guard: Guard | None = None,
    ) -> None:
        self._writer = writer
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._stopping = stopping
        self._guard = guard or Guard()
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
            outcome = process_batch(self._writer, envelopes, self._guard)
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
        elapsed = time.monotonic() - started
        lag = None
        if envelopes:
            newest = max(envelope.time for envelope in envelopes)
            lag = (self._guard.now() - newest).total_seconds()
        self._metrics.record_batch(
            outcome.applied, outcome.skipped, rejected, len(messages), elapsed, lag
        )
        self._metrics.record_future_events(outcome.ahead)
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
