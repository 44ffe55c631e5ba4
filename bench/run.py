"""One benchmark run: every measurement at every size, in an order that keeps each one's
stream newer than what the graph already holds (see ``bench.stream``)."""

from __future__ import annotations

import logging
import os
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import end_to_end, latency
from bench.broker import SYNC_DEFAULTS, Bus
from bench.graph import BenchGraph, Rate
from bench.model_ops import reconcile_from_emulator, snapshot_seconds
from bench.report import Report, machine, verdict
from bench.stream import Cloud, Size, envelopes
from bench.watcher_run import run_watcher

LOG = logging.getLogger("bench")

LOAD_CHUNK = 5000
THROUGHPUT_TARGET = 10_000.0
SCALE_TARGET = 0.8
CEILING_TARGET = 0.8
P99_TARGET_MS = 250.0


@dataclass(frozen=True, slots=True)
class Plan:
    sizes: tuple[Size, ...]
    latency_rate: float
    latency_seconds: float
    latency_timeouts: tuple[float, ...]


FULL = Plan(
    sizes=(
        Size("1,000 hosts / 20,000 instances", 1_000, 20_000, 100_000, 2_000, 60.0),
        Size("10,000 hosts / 200,000 instances", 10_000, 200_000, 100_000, 2_000, 90.0),
    ),
    latency_rate=1000.0,
    latency_seconds=20.0,
    latency_timeouts=(float(SYNC_DEFAULTS["batch_timeout"]), 0.5),
)
QUICK = Plan(
    sizes=(
        Size("quick: 20 hosts / 300 instances", 20, 300, 3_000, 200, 5.0),
        Size("quick: 60 hosts / 1,200 instances", 60, 1_200, 3_000, 200, 5.0),
    ),
    latency_rate=1000.0,
    latency_seconds=3.0,
    latency_timeouts=(float(SYNC_DEFAULTS["batch_timeout"]), 0.5),
)


METHOD_NOTES = (
    "Streams: `cdm_graph.simulate.NovaSimulator` builds each cloud (services, then five "
    "notifications per instance: the build stream, applied through `process_batch` before "
    "anything is timed), then draws one stream of operations (power off/on, live migration, "
    "resize confirm/revert, shelve offload, unshelve, delete, create, service disable/"
    "enable, each with its `.start`/`.end` and `instance.update`). That one stream is used "
    "by (1), (2), the ceiling, (3) (its first messages) and (4), each time stamped newer "
    "than what the graph holds, so every message is really applied, never skipped as stale. "
    "`.start` events and non-compute services are decoded and skipped, as in production.",
    "(1): the stream is published beforehand to the pool's queue (kombu, Nova's messagingv2 "
    "wire format, persistent, exchange and queue declared by `cdm-graph sync` itself), then a "
    "fresh `cdm-graph sync` with the shipped defaults (batch_size 500, batch_timeout 0.1 s, "
    "2 workers, prefetch 2,000) drains it; the time runs from the start of its first batch "
    "to its last commit, both read from its log. At the smaller size the same stream, "
    "stamped newer, is drained again by two such processes sharing the pool's queue: the "
    "way to scale out, on this machine's two cores shared with Neo4j and RabbitMQ.",
    "(2): the same messages as envelopes through `process_batch` (decode, plan, one managed "
    "transaction a batch), no broker. The ceiling (`bench/cypher/ceiling.cypher`) writes the "
    "same batches' instance rows (every property the event carries) with a bare "
    "`UNWIND $rows AS row MERGE (i:Instance {uuid: row.uuid}) SET i += row.props`: no "
    "guard, no read, no host edge; rows are made before its clock starts.",
    "(4): Watcher's own `VersionedNotification.info()` on a `ModelRoot` holding the cloud as "
    "the build stream left it, so it never asks Nova; its Nova and Placement helpers are "
    "replaced by counting stubs (the count is shown: 0 means never called). Its per-event "
    "INFO log line is silenced, which spares it that cost. It is stopped after a time "
    "budget: `get_node_by_name` scans every node of the graph, so its cost per "
    "notification grows with the cloud. Messages it raises on (e.g. a shelved-offloaded "
    "instance's host None, which its element refuses) are counted: oslo.messaging would "
    "log and drop them.",
    "(5): a fresh sync; messages published at a steady rate, each stamped with its publish "
    "time; the sync logs each committed batch's size and lag (commit minus newest "
    "timestamp); batches are consecutive runs of the queue, so each message's commit time "
    "follows. The first second (connecting, warming up) is left out. Nothing polls the "
    "graph.",
    "(6): reconcile lists the emulated cloud (tests/openstack_emulator.py, in this process, "
    "over HTTP, through openstacksdk as in production) and applies the listing with "
    "`cdm_graph.reconcile.apply_listing`. "
    "Snapshot: `cdm_graph.read.client.GraphClient.snapshot()`.",
)


def _rate(value: float) -> str:
    return f"{value:,.0f} notifications/s"


def _measure_size(
    size: Size,
    plan: Plan,
    graph: BenchGraph,
    bus: Bus,
    report: Report,
    small_e2e: float | None,
    with_latency: bool,
) -> float:
    """Every measurement of one size; returns its end-to-end throughput."""
    batch_size = int(SYNC_DEFAULTS["batch_size"])
    graph.wipe()
    graph.mark()
    cloud = Cloud(size)
    # Times of Nova's clock for each use of the stream, in the order they are applied.
    base = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)
    LOG.info("%s: building and loading the cloud", size.name)
    applied, started = 0.0, time.perf_counter()
    for chunk in cloud.build(LOAD_CHUNK):
        batch = envelopes(chunk, base + timedelta(seconds=cloud.build_messages * 1e-5))
        rate = graph.apply(batch, LOAD_CHUNK)
        applied += rate.seconds
    load = Rate(cloud.build_messages, applied)
    counts = graph.counts()
    report.add(
        "load the cloud (build stream through process_batch, 5,000 a batch)", size.name,
        f"{load.count:,} messages in {load.seconds:.1f} s: {_rate(load.per_second)}",
        f"graph: {counts['compute_nodes']:,} compute nodes, {counts['instances']:,} instances; "
        f"{time.perf_counter() - started:.0f} s with simulating",
    )  # fmt: skip
    assert cloud.state is not None
    state = cloud.state
    ops = cloud.operations(size.operations)
    later = cloud.operations(int(plan.latency_rate * plan.latency_seconds)) if with_latency else []

    LOG.info("%s: end to end, %d messages", size.name, len(ops))
    e2e = end_to_end.measure(bus, ops, base + timedelta(hours=1))
    if small_e2e is None:
        target = verdict(e2e.per_second, THROUGHPUT_TARGET, " /s")
        compared = ""
    else:
        ratio = e2e.per_second / small_e2e if small_e2e else 0.0
        compared = f"{ratio:.2f}x the smaller cloud"
        target = verdict(ratio, SCALE_TARGET, "x the smaller")
    report.add(
        "1. end to end: RabbitMQ to committed Neo4j, `cdm-graph sync`", size.name,
        f"{_rate(e2e.per_second)} ({e2e.messages:,} in {e2e.seconds:.1f} s, "
        f"{e2e.batches} batches)", compared, target,
    )  # fmt: skip
    report.add(
        "6. memory: peak RSS of the sync process during (1)", size.name,
        f"{e2e.peak_rss_mib:.0f} MiB (VmHWM)",
        f"the sync's CPU: {e2e.cpu_seconds:.1f} s in its {e2e.alive_seconds:.1f} s "
        f"after it started consuming ({e2e.cpu_seconds / e2e.alive_seconds:.2f} cores); "
        f"publishing the stream beforehand took {e2e.publish_seconds:.1f} s",
    )  # fmt: skip

    if small_e2e is None:
        # Scaling out: the pool shares its queue among processes; does throughput follow?
        LOG.info("%s: end to end, two processes in the pool", size.name)
        pair = end_to_end.measure(bus, ops, base + timedelta(minutes=90), processes=2)
        report.add(
            "1. end to end, two `cdm-graph sync` processes in one pool", size.name,
            f"{_rate(pair.per_second)} ({pair.messages:,} in {pair.seconds:.1f} s, "
            f"{pair.batches} batches)",
            f"{pair.per_second / e2e.per_second:.2f}x one process; their CPU "
            f"{pair.cpu_seconds / pair.alive_seconds:.2f} cores",
            verdict(pair.per_second, THROUGHPUT_TARGET, " /s"),
        )  # fmt: skip

    LOG.info("%s: apply only", size.name)
    stream = envelopes(ops, base + timedelta(hours=2))
    ours = graph.apply(stream, batch_size)

    LOG.info("%s: naive", size.name)
    naive = graph.naive(envelopes(ops[: size.naive_sample], base + timedelta(hours=3)))

    if with_latency:
        for batch_timeout in plan.latency_timeouts:
            LOG.info("%s: latency, batch_timeout %.2f", size.name, batch_timeout)
            share = len(later) // len(plan.latency_timeouts)
            part = later[: share] if batch_timeout == plan.latency_timeouts[0] else later[share:]
            result = latency.measure(bus, part, plan.latency_rate, batch_timeout)
            default = " (the default)" if batch_timeout == SYNC_DEFAULTS["batch_timeout"] else ""
            report.add(
                f"5. latency publish to commit, [sync] batch_timeout = {batch_timeout:g} s"
                f"{default}", size.name,
                f"p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, "
                f"max {result.max_ms:.0f} ms",
                f"{result.messages:,} messages at {result.achieved_rate:,.0f}/s, "
                f"{result.batches} batches",
                verdict(result.p99_ms, P99_TARGET_MS, " ms", higher_is_better=False),
            )  # fmt: skip

    LOG.info("%s: reconcile", size.name)
    listed = reconcile_from_emulator(cloud.simulator, graph.writer)
    report.add(
        "6. reconcile: full listing from the API emulator, applied", size.name,
        f"apply {listed.apply_seconds:.1f} s; API (listing) {listed.api_seconds:.1f} s",
        f"{listed.compute_nodes:,} compute nodes, {listed.servers:,} servers",
    )  # fmt: skip

    LOG.info("%s: client snapshot", size.name)
    seconds, nodes, instances = snapshot_seconds(graph.driver)
    report.add(
        "6. client: GraphClient.snapshot() of the whole model", size.name, f"{seconds:.2f} s",
        f"{nodes:,} compute nodes, {instances:,} instances",
    )  # fmt: skip

    LOG.info("%s: Watcher", size.name)
    watcher = run_watcher(state, ops, size.watcher_seconds)
    cut = (
        f"; stopped after {watcher.seconds:.0f} s: {watcher.handled:,} of {watcher.total:,}"
        if watcher.handled < watcher.total
        else ""
    )
    report.add(
        "4. Watcher's VersionedNotification on its ModelRoot", size.name,
        f"{_rate(watcher.per_second)}{cut}",
        f"ours end to end: {e2e.per_second / watcher.per_second:.1f}x; apply-only: "
        f"{ours.per_second / watcher.per_second:.1f}x (Watcher raised on "
        f"{watcher.failed:,}; stubbed Nova calls: {watcher.nova_calls})",
    )  # fmt: skip

    LOG.info("%s: Neo4j's ceiling", size.name)
    ceiling = graph.ceiling(stream, batch_size)
    ratio = ours.per_second / ceiling.per_second
    report.add(
        f"2. apply only (process_batch, {batch_size} a batch, no broker)", size.name,
        _rate(ours.per_second),
        f"ceiling (bare UNWIND MERGE, same rows and batches): {_rate(ceiling.per_second)}; "
        f"ours {ratio:.2f}x",
        verdict(ratio, CEILING_TARGET, "x the ceiling"),
    )  # fmt: skip
    report.add(
        "3. naive: one transaction per notification", size.name,
        f"{_rate(naive.per_second)} ({naive.count:,} messages)",
        f"apply-only is {ours.per_second / naive.per_second:.1f}x; end to end "
        f"{e2e.per_second / naive.per_second:.1f}x",
    )  # fmt: skip
    return e2e.per_second


def run(
    plan: Plan,
    neo4j_target: dict[str, Any],
    transport_url: str,
    output: Path,
    force: bool,
) -> Report:
    load_before = os.getloadavg()
    graph = BenchGraph(neo4j_target)
    report = Report(command=" ".join(["python -m bench", *map(shlex.quote, sys.argv[1:])]))
    try:
        graph.claim(force)
        report.machine = machine(graph.version(), load_before)
        with tempfile.TemporaryDirectory(prefix="cdm-graph-bench-") as workdir:
            bus = Bus(transport_url, neo4j_target, Path(workdir))
            try:
                small: float | None = None
                for number, size in enumerate(plan.sizes):
                    throughput = _measure_size(
                        size, plan, graph, bus, report, small, with_latency=number == 0
                    )
                    small = throughput if small is None else small
                    report.write(output)  # what is measured so far survives a later failure
            finally:
                bus.close()
        report.notes.extend(METHOD_NOTES)
        report.machine["load average after the run"] = ", ".join(
            f"{v:.2f}" for v in os.getloadavg()
        )
        graph.wipe()
    finally:
        graph.close()
    report.write(output)
    return report
