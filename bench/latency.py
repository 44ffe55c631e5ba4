"""Publish-to-commit latency at a steady rate, observed without touching the graph.

Each message's timestamp is the moment it is published (as Nova stamps it). The sync logs
every committed batch with its size and its lag (commit time minus the newest timestamp in
the batch). oslo.messaging's poller forms batches from the queue in order, so batches are
consecutive runs of the published sequence: ordered by the newest timestamp they hold, their
sizes say which messages each held, and a message's latency is its batch's commit time (the
newest timestamp plus the lag) minus its own timestamp.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.broker import Batch, Bus, committed_batches, handled
from bench.stream import wire_body
from cdm_graph.simulate import Notification, Pacer
from tests.bus import wait_for


@dataclass(frozen=True, slots=True)
class LatencyResult:
    batch_timeout: float
    rate: float
    achieved_rate: float
    messages: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    batches: int


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        raise ValueError("no latency to take a percentile of (a run shorter than the warm-up)")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# A fresh sync's first batches pay for connecting and warming up: not the steady state.
WARMUP = timedelta(seconds=1)


def latencies(published: Sequence[datetime], batches: Sequence[Batch]) -> list[float]:
    """Seconds from publish to commit, for every message the batches account for that was
    published after the warm-up."""
    ordered = sorted(batches, key=lambda batch: batch.logged_at - (batch.lag or 0.0))
    result: list[float] = []
    position = 0
    for batch in ordered:
        last = position + batch.messages - 1
        if batch.lag is None or last >= len(published):
            break
        commit = published[last] + timedelta(seconds=batch.lag)
        result.extend(
            (commit - published[index]).total_seconds()
            for index in range(position, last + 1)
            if published[index] - published[0] >= WARMUP
        )
        position = last + 1
    return result


def measure(
    bus: Bus, stream: Sequence[Notification], rate: float, batch_timeout: float
) -> LatencyResult:
    """Run a fresh sync with ``batch_timeout``, publish ``stream`` at ``rate``, and read the
    latencies from its log once everything is handled."""
    payloads = [json.dumps(notification.payload) for notification in stream]
    published: list[datetime] = []

    def bodies() -> Iterator[str]:
        pacer = Pacer(rate)
        for notification, payload in zip(stream, payloads, strict=True):
            pacer.wait()
            moment = datetime.now(UTC).replace(tzinfo=None)
            published.append(moment)
            yield wire_body(notification, moment, payload)

    with bus.running(sync__batch_timeout=str(batch_timeout)) as [(process, port)]:
        started = time.monotonic()
        bus.publish(bodies())
        achieved = len(stream) / (time.monotonic() - started)
        wait_for(lambda: handled(port) >= len(stream), 120, "the latency stream to be handled")
    batches = committed_batches(process.log())
    seconds = latencies(published, batches)
    if len(seconds) < (len(stream) - rate * WARMUP.total_seconds()) * 0.99:
        raise RuntimeError(
            f"only {len(seconds)} of {len(stream)} latencies could be read from the sync's log"
        )
    return LatencyResult(
        batch_timeout=batch_timeout,
        rate=rate,
        achieved_rate=achieved,
        messages=len(seconds),
        p50_ms=percentile(seconds, 0.50) * 1000,
        p99_ms=percentile(seconds, 0.99) * 1000,
        max_ms=max(seconds) * 1000,
        batches=len(batches),
    )
