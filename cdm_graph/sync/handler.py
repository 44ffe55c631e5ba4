"""One batch from the listener to a commit.

The listener acknowledges a batch when the handler returns, so the handler returns only once
the batch is committed in Neo4j, with its bad messages in the dead-letter store. While Neo4j
is away it waits (the gateway's backoff) and the batch stays unacknowledged; on a stop the
waiting gives up and the batch is handed back to the queue: nothing uncommitted is
acknowledged.

Each committed batch is logged at DEBUG; the handler's ``Activity`` sums them up for the INFO
line of every ``[sync] log_interval``. A batch that sets messages aside says so at WARNING,
once, with their reasons: they wait in the dead-letter store for an operator.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cdm_graph.apply.pipeline import Guard, process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.deadletter import DeadLetterStore
from cdm_graph.gateway import RETRYABLE
from cdm_graph.metrics import SyncMetrics
from cdm_graph.transport.envelope import Envelope, Rejected, Rejection, from_listener
from cdm_graph.transport.listener import HANDLED, REQUEUE, BatchWindow

LOG = logging.getLogger(__name__)

# The reasons a WARNING about dead-lettered messages quotes; `cdm-graph deadletter list` has all.
QUOTED_REASONS = 3


@dataclass(slots=True)
class Activity:
    """What the handler committed since the last summary: messages by outcome, and the lag
    of the newest event (Nova's clock to the commit) of the last batch and at most."""

    messages: int = 0
    applied: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    lag: float | None = None
    max_lag: float | None = None
    since: float = field(default_factory=time.monotonic)

    def add(self, messages: int, applied: int, skipped: int, dead_lettered: int,
            lag: float | None) -> None:
        self.messages += messages
        self.applied += applied
        self.skipped += skipped
        self.dead_lettered += dead_lettered
        if lag is not None:
            self.lag = lag
            self.max_lag = lag if self.max_lag is None else max(self.max_lag, lag)

    def summary(self, now: float) -> str:
        seconds = max(now - self.since, 1e-9)
        if not self.messages:
            return f"last {seconds:.0f} s: no messages"
        lag = "-" if self.lag is None else f"{self.lag:.2f} s (at most {self.max_lag:.2f} s)"
        return (
            f"last {seconds:.0f} s: {self.messages} messages ({self.messages / seconds:.1f}/s): "
            f"{self.applied} applied, {self.skipped} skipped, {self.dead_lettered} "
            f"dead-lettered; lag {lag}"
        )


class BatchHandler:
    """Applies one batch and returns only when it may be acknowledged."""

    def __init__(
        self,
        writer: GraphWriter,
        dead_letters: DeadLetterStore,
        metrics: SyncMetrics,
        stopping: threading.Event,
        guard: Guard | None = None,
        window: BatchWindow | None = None,
    ) -> None:
        self._writer = writer
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._stopping = stopping
        self._guard = guard or Guard()
        self._activity = Activity()
        self._activity_lock = threading.Lock()
        self._window = window
        self.failed = False

    def log_summary(self) -> str:
        """Log at INFO what was committed since the last summary, and start anew."""
        with self._activity_lock:
            activity, self._activity = self._activity, Activity()
        line = activity.summary(time.monotonic())
        LOG.info("%s", line)
        return line

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
        newest = max((envelope.time for envelope in envelopes), default=None)
        if self._window is not None:
            self._window.batch_taken(self._behind(newest))
        try:
            outcome = process_batch(self._writer, envelopes, self._guard)
            rejected = [*unreadable, *outcome.rejected]
            self._dead_letters.store(rejected)
        except RETRYABLE as exc:
            # Only when stopping: the writer waits for Neo4j as long as the service runs. The
            # messages go back to the queue, nothing is lost: nothing to act on.
            LOG.info("stopping with %d messages uncommitted (%s): requeued", len(messages), exc)
            return REQUEUE
        except Exception:
            # Not the messages' fault (wrong credentials, a bug): requeueing would spin, and
            # acknowledging would lose them. Stop, and let the operator see why.
            LOG.exception("cannot apply batches: stopping, %d messages requeued", len(messages))
            self.failed = True
            self._stopping.set()
            return REQUEUE
        elapsed = time.monotonic() - started
        lag = self._behind(newest)
        self._metrics.record_batch(
            outcome.applied, outcome.skipped, rejected, len(messages), elapsed, lag
        )
        self._metrics.record_future_events(outcome.ahead)
        applied, skipped = sum(outcome.applied.values()), sum(outcome.skipped.values())
        with self._activity_lock:
            self._activity.add(len(messages), applied, skipped, len(rejected), lag)
        LOG.debug(
            "batch committed: messages=%d applied=%d skipped=%d dead_lettered=%d "
            "seconds=%.3f lag=%s",
            len(messages),
            applied,
            skipped,
            len(rejected),
            elapsed,
            "-" if lag is None else f"{lag:.3f}",
        )
        if rejected:
            _warn_dead_lettered(rejected, len(messages))
        return HANDLED

    def _behind(self, newest: datetime | None) -> float | None:
        """Seconds from Nova's time of ``newest`` to this host's clock (None: no time)."""
        return None if newest is None else (self._guard.now() - newest).total_seconds()


def _warn_dead_lettered(rejected: Sequence[Rejection], batch: int) -> None:
    """One WARNING per batch, however many it set aside: they wait for an operator."""
    reasons = list(dict.fromkeys(
        f"{rejection.event_type or 'unreadable'}: {rejection.reason}" for rejection in rejected
    ))
    more = len(reasons) - QUOTED_REASONS
    LOG.warning(
        "dead-lettered %d of %d messages (`cdm-graph deadletter list`): %s%s",
        len(rejected),
        batch,
        "; ".join(reasons[:QUOTED_REASONS]),
        f"; {more} more" if more > 0 else "",
    )
