"""End to end: a stream waiting in the pool's queue, drained by a real ``cdm-graph sync``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.error import URLError

from bench.broker import (
    Bus,
    CommittedTally,
    committed_batches,
    cpu_seconds,
    driver_retries,
    family,
    metric_total,
    peak_rss_kib,
)
from tests.bus import wait_for

RETRIES_METRIC = "cdm_graph_neo4j_retries_total"


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
    # cdm_graph_neo4j_retries_total at the end (None: its /metrics did not answer), and the
    # transactions the neo4j driver retried by itself, from the log.
    retries: int | None
    driver_retries: int
    # Messages left in the pool's queue once the syncs stopped: 0 when all were acknowledged.
    left_in_queue: int

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.alive_seconds if self.alive_seconds > 0 else 0.0


def measure(
    bus: Bus,
    bodies: Iterable[str],
    processes: int = 1,
    module: str | None = None,
    environment: Mapping[str, str] | None = None,
    **options: str,
) -> EndToEndResult:
    """Publish ``bodies`` (messagingv2 wire bodies), then time ``processes`` fresh syncs of
    one pool (the product's defaults but for ``options``, e.g. ``sync__batch_timeout``; run
    as ``module`` with ``environment`` if given) from the first batch's start to the last
    commit, per their own logs. Memory is the largest process's peak; CPU is theirs summed,
    children included."""
    bus.declare()  # once: a sync's start-up is not publishing
    began = time.perf_counter()
    count = bus.fill(bodies)
    publish_seconds = time.perf_counter() - began
    with bus.running(processes, module, environment, **options) as running:
        pids = [process.process.pid for process, _ in running if process.process is not None]
        # From here on: their start-up (imports, connections) is not the drain's CPU.
        cpu_at_birth = sum(cpu_seconds(pid) for parent in pids for pid in family(parent))
        born = time.perf_counter()
        # Read from the logs, which every process writes, whatever /metrics shows. Generous:
        # at 200 notifications/s the largest stream still finishes.
        tally = CommittedTally(process.log_file for process, _ in running)
        wait_for(
            lambda: tally.count() >= count,
            max(300.0, count / 200),
            f"{count} messages handled",
        )
        members = [pid for parent in pids for pid in family(parent)]
        peak = max(peak_rss_kib(pid) for pid in members) / 1024
        cpu = sum(cpu_seconds(pid) for pid in members) - cpu_at_birth
        alive = time.perf_counter() - born
        retries: int | None = 0
        for _, port in running:
            try:
                retries = (retries or 0) + int(metric_total(port, RETRIES_METRIC))
            except (URLError, OSError):
                retries = None
                break
    logs = [process.log() for process, _ in running]
    batches = [batch for log in logs for batch in committed_batches(log)]
    first = min(batch.logged_at - batch.seconds for batch in batches)
    last = max(batch.logged_at for batch in batches)
    left = bus.waiting()
    if left:
        # Not this run's to hand on: the next run starts from an empty queue.
        with contextlib.suppress(Exception):
            bus.purge()
    return EndToEndResult(
        messages=count,
        seconds=last - first,
        publish_seconds=publish_seconds,
        peak_rss_mib=peak,
        batches=len(batches),
        cpu_seconds=cpu,
        alive_seconds=alive,
        retries=retries,
        driver_retries=sum(driver_retries(log) for log in logs),
        left_in_queue=left,
    )
