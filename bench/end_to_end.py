"""End to end: a stream waiting in the pool's queue, drained by a real ``cdm-graph sync``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bench.broker import Bus, committed_batches, cpu_seconds, peak_rss_kib, wait_handled
from bench.stream import STEP, wire_body
from cdm_graph.simulate import Notification
from tests.bus import wait_for


@dataclass(frozen=True, slots=True)
class EndToEndResult:
    messages: int
    seconds: float
    publish_seconds: float
    peak_rss_mib: float
    batches: int
    # CPU the sync process used over its whole life, and that life's length.
    cpu_seconds: float
    alive_seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def measure(bus: Bus, stream: Sequence[Notification], start: datetime) -> EndToEndResult:
    """Publish ``stream`` stamped from ``start``, then time a fresh sync (the product's
    defaults) from its first batch's start to its last commit, per its own log."""
    import time

    bodies = [
        wire_body(notification, start + STEP * position, json.dumps(notification.payload))
        for position, notification in enumerate(stream)
    ]
    bus.declare()
    began = time.perf_counter()
    published = bus.publish(bodies)
    del bodies
    wait_for(lambda: bus.waiting() >= published, 120, "RabbitMQ to count the stream")
    publish_seconds = time.perf_counter() - began
    with bus.running() as (process, port):
        born = time.perf_counter()
        # Generous: at 500 notifications/s the largest stream still finishes.
        wait_handled(port, len(stream), timeout=max(300.0, len(stream) / 500))
        assert process.process is not None
        peak = peak_rss_kib(process.process.pid) / 1024
        cpu = cpu_seconds(process.process.pid)
        alive = time.perf_counter() - born
    batches = committed_batches(process.log())
    first = min(batch.logged_at - batch.seconds for batch in batches)
    last = max(batch.logged_at for batch in batches)
    return EndToEndResult(
        len(stream), last - first, publish_seconds, peak, len(batches), cpu, alive
    )
