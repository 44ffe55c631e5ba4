"""End to end: a stream waiting in the pool's queue, drained by a real ``cdm-graph sync``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bench.broker import Bus, committed_batches, cpu_seconds, handled, peak_rss_kib
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
    # CPU the sync processes used from their start-up's end to the drain's, and that time.
    cpu_seconds: float
    alive_seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def measure(
    bus: Bus,
    stream: Sequence[Notification],
    start: datetime,
    processes: int = 1,
    **options: str,
) -> EndToEndResult:
    """Publish ``stream`` stamped from ``start``, then time ``processes`` fresh syncs of one
    pool (the product's defaults but for ``options``, e.g. ``sync__batch_timeout``) from the
    first batch's start to the last commit, per their own logs. Memory is the largest
    process's peak; CPU is theirs summed."""
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
    with bus.running(processes, **options) as running:
        pids = [process.process.pid for process, _ in running if process.process is not None]
        # From here on: their start-up (imports, connections) is not the drain's CPU.
        cpu_at_birth = sum(cpu_seconds(pid) for pid in pids)
        born = time.perf_counter()
        # Generous: at 500 notifications/s the largest stream still finishes.
        wait_for(
            lambda: sum(handled(port) for _, port in running) >= len(stream),
            max(300.0, len(stream) / 500),
            f"{len(stream)} messages handled",
        )
        peak = max(peak_rss_kib(pid) for pid in pids) / 1024
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_at_birth
        alive = time.perf_counter() - born
    batches = [batch for process, _ in running for batch in committed_batches(process.log())]
    first = min(batch.logged_at - batch.seconds for batch in batches)
    last = max(batch.logged_at for batch in batches)
    return EndToEndResult(
        len(stream), last - first, publish_seconds, peak, len(batches), cpu, alive
    )
