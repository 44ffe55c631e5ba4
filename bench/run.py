"""One benchmark run: every measurement at every size, against the ceilings of the same run.

At each size the Nova-shaped cloud (``bench.nova_stream``) is built end to end from an empty
graph, then one stream of operations on it is drained end to end, applied without a broker,
and fed to Watcher; the broker's and Neo4j's ceilings take the same bodies and rows. Every
use of a stream is stamped after the use before (``bench.stream.NovaClock``), so it is
applied, never skipped as stale, and every further stream (the naive sample, the profiles,
the latency runs) is drawn from the same cloud: after each run the graph must equal the
cloud's truth, and the run's correctness row says whether it does.
"""

from __future__ import annotations

import logging
import os
import pstats
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import consumers, end_to_end, latency
from bench.broker import SYNC_DEFAULTS, Bus, sync_has_option
from bench.ceiling import Ceiling, CeilingResult, instance_template, rows_per_batch
from bench.consumers import ConsumerCeiling
from bench.end_to_end import EndToEndResult
from bench.graph import BenchGraph, Rate
from bench.model_ops import ReconcileResult, reconcile_from_emulator, snapshot_seconds
from bench.nova_stream import NovaShapedCloud
from bench.profiled_sync import PROFILE_ENV
from bench.profiling import profiled, tables
from bench.report import (
    KOMBU_CEILING,
    Check,
    CpuTicks,
    KnownCeiling,
    Report,
    Row,
    Target,
    kombu_ceiling_in,
    machine,
    machine_speed,
    stolen_share,
    verdict,
)
from bench.stream import Cloud, CloudState, Drawn, NovaClock, Size, envelopes, wire_bodies
from bench.watcher_run import WatcherResult, run_watcher

LOG = logging.getLogger("bench")

LOAD_CHUNK = 5000
# (1b) at the first size is drained this many times, each beside the broker's ceilings
# draining the same bodies (see ``Bench.measure_against_oslo``).
PAIRED_ROUNDS = 3
BATCH_SIZE = int(SYNC_DEFAULTS["batch_size"])
# Whether this tree's sync has the [sync] processes option (issue 12's consumer processes).
HAS_PROCESSES = sync_has_option("processes")

# Issue 12's targets.
E2E_TARGET = 1_500.0
OSLO_RATIO_TARGET = 0.7
PROCESSES_RATIO_TARGET = 1.3
APPLY_TARGET = 5_000.0
WATCHER_RATIO_TARGET = 2.0
SCALE_TARGET = 0.8
P99_TARGET_MS = 150.0
SNAPSHOT_TARGET_S = 5.0
SNAPSHOT_TARGET_INSTANCES = 200_000
RSS_TARGET_MIB = 200.0


@dataclass(frozen=True, slots=True)
class Plan:
    sizes: tuple[Size, ...]
    latency_rate: float
    latency_seconds: float
    latency_timeouts: tuple[float, ...]
    # Messages of each profiled drain (--profile): process_batch, and the sync.
    profile_messages: int


FULL = Plan(
    sizes=(
        Size("1,000 hosts / 20,000 instances", 1_000, 20_000, 100_000, 2_000, 60.0, True),
        Size("10,000 hosts / 200,000 instances", 10_000, 200_000, 100_000, 2_000, 90.0),
    ),
    latency_rate=1000.0,
    # Ten seconds at each batch timeout.
    latency_seconds=30.0,
    latency_timeouts=(float(SYNC_DEFAULTS["batch_timeout"]), 0.1, 0.5),
    profile_messages=20_000,
)
QUICK = Plan(
    sizes=(
        Size("quick: 20 hosts / 300 instances", 20, 300, 2_000, 100, 5.0, simulator=True),
        Size("quick: 60 hosts / 1,200 instances", 60, 1_200, 2_000, 100, 5.0),
    ),
    latency_rate=1000.0,
    # Two seconds at each batch timeout: one past the warm-up the latencies leave out.
    latency_seconds=6.0,
    latency_timeouts=(float(SYNC_DEFAULTS["batch_timeout"]), 0.1, 0.5),
    profile_messages=1_000,
)


METHOD_NOTES = (
    "Nova-shaped stream (`bench/nova_stream.py`): every message is one of Nova's own samples "
    "(`shared/fixtures/nova-notification-samples`, every field Nova sends, ~2.6 KB on the "
    "wire) with the cloud's uuids, hosts, names, states and flavors substituted; only the "
    "event types of `cdm_graph.mapping`, no `.start` events. The build-up (1a) is a "
    "`service.create` per host, then an `instance.create.end` per instance on a random host, "
    "from an empty graph. The operations (1b) pick a random instance or host of the whole "
    "cloud: creates, deletes and soft deletes with restores, power, pause, suspend and rescue "
    "cycles, locks, live migrations (`post_dest`, some after a `force_complete` from the "
    "source, some rolled back), resizes confirmed or reverted on a new host, evacuations "
    "(whose `instance.rebuild.end` names the stale old host, last), shelve, shelve-offload "
    "(host null) and unshelve, and nova-compute `service.update`s (disable, enable, forced "
    "down and up), each with the `instance.update`s Nova sends around a state change "
    "(about 60% of the messages).",
    "Every use of a stream is stamped after the use before, so every message is applied, "
    "never skipped as stale; the graph is then compared with the cloud's truth (the "
    "correctness table). (1c) drains each round's stream of (1b) (see below); (2), (3)'s "
    "ratios and (4) re-use (1b)'s stream (at the first size, its last round's) under a newer "
    "clock, and their ratios to one process are to that drain of it.",
    "(1): the stream is published beforehand to the pool's queue (kombu, Nova's messagingv2 "
    "wire format, persistent, exchange and queue declared by `cdm-graph sync` itself), then a "
    "fresh `cdm-graph sync` with the shipped defaults (batch_size 500, batch_timeout 0.05 s "
    "widening up to 0.5 s while the sync is a second behind, 2 workers, prefetch 2,000) "
    "drains it; the time runs from the start of its first batch "
    "to its last commit, both read from its log. (1c) starts the sync with "
    "`OS_SYNC__PROCESSES=2` where the option exists. (1d) is the synthetic stream of "
    "`cdm_graph.simulate.NovaSimulator` (fewer fields, `.start` events) on its own cloud, "
    "loaded through `process_batch` first.",
    "Broker ceilings, on (1b)'s bodies in the same pool's queue, each in a process of its own "
    "(`bench/consumers.py`): plain kombu (prefetch 2,000, both JSON layers parsed, one "
    "multiple-ack a batch of 500), and oslo.messaging's batch listener set up exactly as "
    "`cdm-graph sync` sets it up, with an endpoint that returns at once: in a plain Python "
    "process (issue 12's ceiling), and again with Python's cyclic collector set as the sync "
    "sets it before consuming (`cdm_graph.memory`: what setup made frozen, the middle "
    "generation collected every 200 collections of the youngest), which makes "
    "oslo.messaging's own work cheaper too. Measured at the "
    "first size; the ratios at other sizes use those figures. At the first size (1b) runs "
    f"in {PAIRED_ROUNDS} rounds, each a new stream of the cloud drained by the ceilings, by "
    "the sync, and again by the sync with two processes (1c), one after the other (the "
    "sync in the middle; the ceilings before it in odd rounds, after it in even ones; the "
    "second of the two syncs drains the stream again under a later clock): this machine's "
    "speed drifts within minutes, so a ratio is only of drains close in time. (1b)'s figure "
    "and the ceilings in the table are the round of median ratio to the no-op listener, "
    "(1c)'s the round of median ratio to one process; their rows list every round. Each "
    "round's operations stay in the cloud: the first size ends with more instances than it "
    "was built with.",
    "(2): the same messages as envelopes through `process_batches`, as `cdm-graph replay` "
    "applies a capture (decode, plan, one managed transaction a batch; each batch decoded in "
    "a thread of its own while the one before it is applied), no broker, after the same "
    "stream under an older clock through `process_batch`, one batch after another; each "
    "envelope carries its own message id, as the listener hands Nova's messages over. Neo4j's"
    " own ceiling (`bench/ceiling.py`, `bench/cypher/ceiling_rows.cypher`): rows made inside "
    "Cypher in the shape of cdm-graph's instance rows, written by cdm-graph's own lock, read,"
    " unhost and write statements in one statement and transaction a batch, on a keyspace of "
    "its own the size of the cloud: first every instance once (a row a notification, as the "
    "build-up), then random instances each moved to another host, as many a transaction as a "
    "batch of 500 of (1b)'s stream folds to (Nova reports an operation in several messages on"
    " one instance, and cdm-graph writes an instance once a batch), each transaction standing"
    " for those 500 notifications; timed by the clock (the figure) and by the server's own "
    "statement times. The Python driver's ceiling: the same statements and rows made in "
    "Python and sent as parameters, one statement at a time as cdm-graph's batches run them.",
    "(4): Watcher's own `VersionedNotification.info()` on a `ModelRoot` holding the cloud as "
    "it was before the stream it is fed (after the build-up, and at the first size after "
    "(1b)'s earlier rounds), so it never asks Nova; its Nova and Placement helpers are "
    "replaced by counting stubs (the count is shown: 0 means never called). Its log (an INFO "
    "line per event, a traceback per instance it cannot map) is silenced, which spares it "
    "that cost. It is stopped after a time "
    "budget: `get_node_by_name` scans every node of the graph, so its cost per "
    "notification grows with the cloud. Messages it raises on (e.g. a shelved-offloaded "
    "instance's host None, which its element refuses) are counted: oslo.messaging would "
    "log and drop them.",
    "(5): a fresh sync; Nova-shaped operations published at a steady rate, each stamped with "
    "its publish time; the sync logs each committed batch's size and lag (commit minus "
    "newest timestamp); batches are consecutive runs of the queue, so each message's commit "
    "time follows. The first second (connecting, warming up) is left out.",
    "(6): reconcile lists the emulated cloud (tests/openstack_emulator.py, serving from a "
    "process of its own, as Nova's APIs serve from hosts of their own; over HTTP, through "
    "openstacksdk as in production) and applies the listing with "
    "`cdm_graph.reconcile.apply_listing`; then `cdm_graph.reconcile.reconcile`, as "
    "`cdm-graph reconcile` and the sync's periodic reconcile run it, lists it again and "
    "writes each page while listing the next. "
    "Snapshot: `cdm_graph.read.client.GraphClient.snapshot()`.",
    "Retries: `cdm_graph_neo4j_retries_total` (the sync's /metrics) counts batches the "
    "service's backoff retried after the driver gave up; the driver's own retries of a "
    "transaction (a deadlock, mostly) never reach it, so the log's warnings for them are "
    "counted too.",
)


def _rate(value: float) -> str:
    return f"{value:,.0f} notifications/s"


def _ratios(ratios: Iterable[float]) -> str:
    """Each round's ratio, in round order."""
    return ", ".join(f"{ratio:.2f}x" for ratio in ratios)


def _ratio(ours: float, other: float) -> str:
    return f"{ours / other:.2f}x" if other else "n/a"


@dataclass(frozen=True, slots=True)
class BrokerCeilings:
    """The broker's ceilings on one stream's bodies (``bench/consumers.py``)."""

    kombu: ConsumerCeiling
    # oslo.messaging's listener as the sync sets it up, an endpoint that does nothing, in a
    # plain Python process: issue 12's ceiling.
    oslo: ConsumerCeiling
    # The same, with Python's collector set as the sync sets it (``cdm_graph.memory``).
    oslo_as_sync: ConsumerCeiling


@dataclass(frozen=True, slots=True)
class Round:
    """One round of (1b) at the first size: the broker's ceilings and the sync draining the
    same bodies, one drain after the other; and (1c), two processes draining them too, on
    the sync's other side (None: its drain failed)."""

    ceilings: BrokerCeilings
    sync: EndToEndResult
    processes: EndToEndResult | None = None

    @property
    def processes_ratio(self) -> float | None:
        """Two processes' rate against one's, drained next to each other."""
        return None if self.processes is None else self.processes.per_second / self.sync.per_second

    @property
    def ratio(self) -> float:
        """The sync's rate against the no-op listener's."""
        return self.sync.per_second / self.ceilings.oslo.per_second

    @property
    def ratio_as_sync(self) -> float:
        """The sync's rate against the no-op listener's with the sync's collector settings."""
        return self.sync.per_second / self.ceilings.oslo_as_sync.per_second


@dataclass(slots=True)
class Figures:
    """What one size measured, for the ratios and the targets."""

    size: Size
    build: EndToEndResult | None = None
    e2e: EndToEndResult | None = None
    e2e_row: Row | None = None
    processes: EndToEndResult | None = None
    apply: Rate | None = None
    watcher: WatcherResult | None = None
    ceilings: BrokerCeilings | None = None
    # (1b)'s rounds at the first size (``Bench.measure_against_oslo``).
    rounds: list[Round] = field(default_factory=list)
    # The drain of the stream that (2), (3) and (4) re-use: (1b)'s last round at the first
    # size, (1b) at the others. Their ratios to one process are to it: the same stream,
    # drained next in time.
    same_stream: EndToEndResult | None = None
    # Why (1c) has no figure: a round's two-process drain failed.
    processes_failure: str | None = None
    neo4j: CeilingResult | None = None
    driver: CeilingResult | None = None
    p99_ms: float | None = None
    reconcile: ReconcileResult | None = None
    snapshot_seconds: float | None = None
    runs: list[EndToEndResult] = field(default_factory=list)


class Bench:
    """One run's graph, bus, report and clock, and every measurement of a size."""

    def __init__(
        self, plan: Plan, graph: BenchGraph, bus: Bus, report: Report, profile: bool, workdir: Path
    ) -> None:
        self.plan = plan
        self.graph = graph
        self.bus = bus
        self.report = report
        self.profile = profile
        self.workdir = workdir
        # Nova's clock starts in the past, so that no stream is ever ahead of the receiver.
        self.clock = NovaClock(datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2))

    # --- end to end, and its correctness ---------------------------------------------------

    def end_to_end(
        self,
        figures: Figures,
        run: str,
        bodies: Iterable[str],
        truth: Callable[[], dict[str, Any]],
        processes: int = 1,
        **options: Any,
    ) -> EndToEndResult:
        """One end-to-end run, then the graph against ``truth()``, the cloud once the
        bodies are all drawn."""
        result = end_to_end.measure(self.bus, bodies, processes, **options)
        figures.runs.append(result)
        self.check(figures.size, run, truth(), result)
        return result

    def check(
        self, size: Size, run: str, truth: dict[str, Any], result: EndToEndResult | None = None
    ) -> None:
        differences = self.graph.differences(truth)
        if differences:
            LOG.warning("%s: %d differences from the truth, first %s", run, len(differences),
                        differences[:3])  # fmt: skip
        self.report.checks.append(
            Check(
                run=run,
                size=size.name,
                differences=differences,
                left_in_queue=result.left_in_queue if result else None,
                dead_letters=self.graph.dead_letters(),
                retries=result.retries if result else None,
                driver_retries=result.driver_retries if result else None,
            )
        )

    def e2e_row(self, measurement: str, size: Size, result: EndToEndResult) -> Row:
        return self.report.add(
            measurement, size.name,
            f"{_rate(result.per_second)} ({result.messages:,} in {result.seconds:.1f} s, "
            f"{result.batches} batches)",
            f"the sync's CPU: {result.cores:.2f} cores; publishing beforehand took "
            f"{result.publish_seconds:.1f} s",
        )  # fmt: skip

    # --- one size --------------------------------------------------------------------------

    def measure_size(self, size: Size, first: Figures | None) -> Figures:
        """Every measurement of one size; ``first`` is the first size's, if this is not it."""
        figures = Figures(size)
        self.graph.wipe()
        self.graph.mark()
        cloud = NovaShapedCloud(size.hosts, size.instances)

        LOG.info("%s: end to end, the build-up from an empty graph", size.name)
        build_count = size.hosts + 2 + size.instances
        figures.build = self.end_to_end(
            figures, "1a. build-up", wire_bodies(cloud.build(), self.clock.start_of(build_count)),
            cloud.truth,
        )  # fmt: skip
        self.e2e_row(
            "1a. end to end, Nova-shaped build-up from an empty graph (a `service.create` per "
            "host, an `instance.create.end` per instance), `cdm-graph sync`", size, figures.build,
        )  # fmt: skip
        if first is None:
            built, ops = self.measure_against_oslo(figures, cloud)
        else:
            built = cloud.state()
            ops = Drawn(cloud.operations(size.operations), cloud.truth())
            LOG.info("%s: end to end, %d messages", size.name, len(ops))
            figures.e2e = self.end_to_end(
                figures, "1b. on the built cloud", ops.bodies(self.clock.start_of(len(ops))),
                lambda: ops.truth,
            )  # fmt: skip
            figures.same_stream = figures.e2e
        assert figures.e2e is not None and figures.same_stream is not None
        same_stream = figures.same_stream
        figures.e2e_row = self.e2e_row(
            "1b. end to end, Nova-shaped stream on the built cloud, `cdm-graph sync` (shipped "
            "defaults, one process)", size, figures.e2e,
        )  # fmt: skip
        if figures.rounds:
            figures.e2e_row.comparison += "; " + paired_rounds(figures.rounds)
        if first is None:
            figures.e2e_row.target = verdict(figures.e2e.per_second, E2E_TARGET, " /s")
        elif first.e2e is not None:
            ratio = figures.e2e.per_second / first.e2e.per_second
            figures.e2e_row.comparison += f"; {ratio:.2f}x the first size"
            figures.e2e_row.target = verdict(ratio, SCALE_TARGET, "x the first size")
        drains = [drain for _, drain in drains_of_1b(figures)]
        peak = max(drains, key=lambda result: result.peak_rss_mib)
        self.report.add(
            "6. memory: peak RSS of the sync process during (1b)"
            + (f", the largest of its {len(drains)} rounds" if len(drains) > 1 else ""),
            size.name, f"{peak.peak_rss_mib:.0f} MiB (VmHWM)",
            f"the sync's CPU: {peak.cpu_seconds:.1f} s in its "
            f"{peak.alive_seconds:.1f} s after it started consuming",
            verdict(peak.peak_rss_mib, RSS_TARGET_MIB, " MiB", higher_is_better=False),
        )  # fmt: skip

        if first is None:
            self.report_processes(figures)

        LOG.info("%s: apply only", size.name)
        # One batch after another first: a later run meets a graph grown by the earlier one.
        serial = self.graph.apply(
            ops.envelopes(self.clock.start_of(len(ops))), BATCH_SIZE, ahead=False
        )
        self.check(size, "2. apply only, one batch after another", ops.truth)
        figures.apply = self.graph.apply(ops.envelopes(self.clock.start_of(len(ops))), BATCH_SIZE)
        self.check(size, "2. apply only", ops.truth)
        apply_row = self.report.add(
            f"2. apply only: the same stream as `cdm-graph replay` applies it "
            f"(`process_batches`: {BATCH_SIZE} a batch, each decoded while the one before it "
            "is applied; no broker)", size.name, _rate(figures.apply.per_second),
            _ratio(figures.apply.per_second, same_stream.per_second) + " end to end (1b"
            + (", its last round" if figures.rounds else "") + "); "
            f"one batch after another (`process_batch`): {_rate(serial.per_second)}",
            verdict(figures.apply.per_second, APPLY_TARGET, " /s"),
        )  # fmt: skip

        LOG.info("%s: naive", size.name)
        naive_stream = Drawn(cloud.operations(size.naive_sample), cloud.truth())
        naive = self.graph.naive(naive_stream.envelopes(self.clock.start_of(len(naive_stream))))
        self.check(size, "3. naive", naive_stream.truth)
        self.report.add(
            "3. naive: one transaction per notification", size.name,
            f"{_rate(naive.per_second)} ({naive.count:,} messages)",
            f"apply-only is {_ratio(figures.apply.per_second, naive.per_second)}; end to end "
            f"{_ratio(same_stream.per_second, naive.per_second)}",
        )  # fmt: skip

        if self.profile and first is None:
            self.measure_profiles(figures, cloud)
        if first is None:
            self.measure_latency(figures, cloud)

        LOG.info("%s: reconcile", size.name)
        figures.reconcile = reconcile_from_emulator(cloud, self.graph.writer)
        listed = figures.reconcile
        self.report.add(
            "6. reconcile: full listing from the API emulator, applied", size.name,
            f"apply {listed.apply_seconds:.1f} s; API (listing) {listed.api_seconds:.1f} s",
            f"{listed.compute_nodes:,} compute nodes, {listed.servers:,} servers",
            verdict(listed.apply_seconds / listed.api_seconds, 1.0, "x its listing time",
                    higher_is_better=False),
        )  # fmt: skip
        self.report.add(
            "6. reconcile as run (`cdm_graph.reconcile.reconcile`: each page written while "
            "the next is listed)", size.name,
            f"{listed.reconcile_seconds:.1f} s: writing adds "
            f"{listed.writing_beyond_listing:.1f} s to the listing's {listed.api_seconds:.1f} s",
            f"{listed.reconcile_summary.split('; ')[1]}",
            verdict(listed.writing_beyond_listing / listed.api_seconds, 1.0,
                    "x its listing time", higher_is_better=False),
        )  # fmt: skip

        LOG.info("%s: client snapshot", size.name)
        seconds, nodes, instances = snapshot_seconds(self.graph.driver)
        figures.snapshot_seconds = seconds
        self.report.add(
            "6. client: GraphClient.snapshot() of the whole model", size.name, f"{seconds:.2f} s",
            f"{nodes:,} compute nodes, {instances:,} instances",
            verdict(seconds, SNAPSHOT_TARGET_S, " s", higher_is_better=False)
            if size.instances >= SNAPSHOT_TARGET_INSTANCES else "",
        )  # fmt: skip

        LOG.info("%s: Watcher", size.name)
        figures.watcher = watcher = run_watcher(built, ops.notifications, size.watcher_seconds)
        cut = (
            f"; stopped after {watcher.seconds:.0f} s: {watcher.handled:,} of {watcher.total:,}"
            if watcher.handled < watcher.total
            else ""
        )
        watcher_ratio = same_stream.per_second / watcher.per_second
        self.report.add(
            "4. Watcher's `VersionedNotification` on its ModelRoot, the same Nova-shaped stream",
            size.name, f"{_rate(watcher.per_second)}{cut}",
            f"ours end to end: {watcher_ratio:.2f}x; apply-only: "
            f"{_ratio(figures.apply.per_second, watcher.per_second)} (Watcher raised on "
            f"{watcher.failed:,}; stubbed Nova calls: {watcher.nova_calls})",
            verdict(watcher_ratio, WATCHER_RATIO_TARGET, "x Watcher end to end"),
        )  # fmt: skip

        if first is None:
            self.measure_broker_ceilings(figures, ops)
        else:
            figures.ceilings = first.ceilings
        self.measure_neo4j_ceilings(figures, ops, apply_row)
        self.compare_e2e(figures, first)

        if size.simulator:
            self.measure_simulator_stream(figures)
        return figures

    def measure_against_oslo(
        self, figures: Figures, cloud: NovaShapedCloud
    ) -> tuple[CloudState, Drawn]:
        """(1b) and (1c) at the first size, where their ratios to oslo.messaging's no-op
        ceiling and to one process are targets: ``PAIRED_ROUNDS`` rounds, each a new stream
        drawn from the cloud and drained by plain kombu and the no-op listener, by the sync,
        and by the sync with two processes, one after the other. The sync's drain is in the
        middle, next to both drains it is compared with; the ceilings go before it and two
        processes after it in odd rounds, the other way round in even ones, so that no drain
        always follows another's load. Whichever of the two syncs drains second drains the
        stream again under a later clock, as every later run of a size does.

        This machine's speed drifts within minutes (in a run, the driver's ceiling 1.34x
        faster at the second size than at the first), so drains far apart give a ratio of
        two machines; drains of one round see about the same one. (1b)'s figure and the
        ceilings it is compared with are the round of the median ratio to the no-op listener,
        (1c)'s the round of the median ratio to one process; every round is in their rows.
        Returns the cloud before the last round's stream (Watcher's starting point) and that
        stream, which every later run re-uses, against the last round's drain
        (``Figures.same_stream``)."""
        size = figures.size
        for number in range(1, PAIRED_ROUNDS + 1):
            built = cloud.state()
            ops = Drawn(cloud.operations(size.operations), cloud.truth())
            ceilings_first = number % 2 == 1
            LOG.info("%s: round %d: %s, %d messages", size.name, number,
                     "the broker's ceilings, the sync, then two processes" if ceilings_first
                     else "two processes, the sync, then the broker's ceilings",
                     len(ops))  # fmt: skip
            if ceilings_first:
                ceilings = self.broker_ceilings(ops)
            else:
                processes = self.drain_with_two_processes(figures, ops, number)
            sync = self.end_to_end(
                figures, f"1b. on the built cloud, round {number} of {PAIRED_ROUNDS}",
                ops.bodies(self.clock.start_of(len(ops))), truth_of(ops),
            )  # fmt: skip
            if ceilings_first:
                processes = self.drain_with_two_processes(figures, ops, number)
            else:
                ceilings = self.broker_ceilings(ops)
            figures.rounds.append(Round(ceilings, sync, processes))
        median = sorted(figures.rounds, key=lambda round_: round_.ratio)[len(figures.rounds) // 2]
        figures.ceilings, figures.e2e = median.ceilings, median.sync
        figures.same_stream = figures.rounds[-1].sync
        return built, ops

    def broker_ceilings(self, ops: Drawn) -> BrokerCeilings:
        """Plain kombu's and oslo.messaging's no-op listener's drains of ``ops``' bodies, the
        listener's in a plain process and with the sync's collector settings; never applied:
        their stamps need only be a stream's."""
        def drained_by(consumer: str) -> ConsumerCeiling:
            return consumers.measure(self.bus, consumer, ops.bodies(self.clock.start_of(0)))

        return BrokerCeilings(
            drained_by("kombu"), drained_by("oslo"), drained_by("oslo-sync-collector")
        )

    def drain_with_two_processes(
        self, figures: Figures, ops: Drawn, number: int
    ) -> EndToEndResult | None:
        """(1c) in round ``number``: ``ops`` drained, under the next clock, with
        ``[sync] processes = 2`` if this tree has it, else by two syncs sharing the pool (what
        the option does, without a parent). None if the drain failed (``processes_failure``
        says why)."""
        if HAS_PROCESSES:
            run, count, options = "1c. [sync] processes = 2", 1, {"sync__processes": "2"}
        else:
            run, count, options = "1c. two syncs in one pool", 2, {}
        run = f"{run}, round {number} of {PAIRED_ROUNDS}"
        LOG.info("%s: %s", figures.size.name, run)
        try:
            return self.end_to_end(
                figures, run, ops.bodies(self.clock.start_of(len(ops))), truth_of(ops),
                processes=count, **options,
            )  # fmt: skip
        except (AssertionError, RuntimeError) as failure:
            LOG.exception("%s failed", run)
            figures.processes_failure = f"{run}: {str(failure)[:200]}"
            return None

    def report_processes(self, figures: Figures) -> None:
        """(1c)'s row: the round of median ratio of two processes to one, every round's
        ratio beside it."""
        if HAS_PROCESSES:
            measurement = "1c. end to end, the same stream, `[sync] processes = 2`"
        else:
            measurement = (
                "1c. end to end, the same stream, `[sync] processes = 2`: not in this tree (no "
                "`[sync] processes` option); measured instead: two `cdm-graph sync` processes "
                "in one pool"
            )
        median = processes_median(figures)
        if median is None or median.processes is None:
            failure = figures.processes_failure or "not measured"
            self.report.add(measurement, figures.size.name, f"failed: {failure}")
            return
        figures.processes = median.processes
        row = self.e2e_row(measurement, figures.size, median.processes)
        row.comparison = (
            f"{median.processes_ratio:.2f}x one process (1b, drained next to it in the same "
            f"round: {median.sync.per_second:,.0f}/s); {row.comparison}; "
            + processes_rounds(figures.rounds)
        )
        row.target = verdict(median.processes_ratio or 0.0, PROCESSES_RATIO_TARGET, "x one process")

    def measure_profiles(self, figures: Figures, cloud: NovaShapedCloud) -> None:
        """Where the time goes: cProfile of ``process_batch`` and of the sync, each on a
        stream of its own drawn from the same cloud."""
        size, count = figures.size, self.plan.profile_messages
        LOG.info("%s: profile of process_batch", size.name)
        stream = Drawn(cloud.operations(count), cloud.truth())
        envelopes_ = stream.envelopes(self.clock.start_of(len(stream)))
        rate, stats = profiled(
            lambda: self.graph.apply(envelopes_, BATCH_SIZE, ahead=False)
        )
        self.check(size, "profile of process_batch", stream.truth)
        lines = [
            f"### `process_batch`, {len(stream):,} Nova-shaped notifications, {size.name}",
            "",
            f"cProfile in the bench's process, wall clock (time spent waiting for Neo4j shows "
            f"as the driver's socket reads): {_rate(rate.per_second)} under the profiler.",
            "",
            *tables(stats, "Profiled", "wall time"),
            "",
        ]
        LOG.info("%s: profile of the sync", size.name)
        stream = Drawn(cloud.operations(count), cloud.truth())
        path = self.workdir / "sync.prof"
        result = self.end_to_end(
            figures, "profile of the sync", stream.bodies(self.clock.start_of(len(stream))),
            lambda: stream.truth, module="bench.profiled_sync",
            environment={PROFILE_ENV: str(path)},
        )  # fmt: skip
        figures.runs.remove(result)  # slowed by the profiler: not a figure of the run
        lines += [
            f"### `cdm-graph sync`, {len(stream):,} Nova-shaped notifications, {size.name}",
            "",
            "cProfile of every thread of the sync process (`bench/profiled_sync.py`), each "
            "thread's CPU time: waiting counts for nothing. "
            f"{_rate(result.per_second)} under the profiler.",
            "",
            *tables(pstats.Stats(str(path)), "Profiled", "CPU time"),
            "",
        ]
        self.report.profile.extend(lines)

    def measure_latency(self, figures: Figures, cloud: NovaShapedCloud) -> None:
        """(5): publish-to-commit latency at a steady rate, for each batch timeout."""
        plan, size = self.plan, figures.size
        stream = cloud.operations(int(plan.latency_rate * plan.latency_seconds))
        truth = cloud.truth()
        share = len(stream) // len(plan.latency_timeouts)
        for number, batch_timeout in enumerate(plan.latency_timeouts):
            LOG.info("%s: latency, batch_timeout %.2f", size.name, batch_timeout)
            last = number == len(plan.latency_timeouts) - 1
            part = stream[number * share : None if last else (number + 1) * share]
            result = latency.measure(self.bus, part, plan.latency_rate, batch_timeout)
            default = batch_timeout == SYNC_DEFAULTS["batch_timeout"]
            if default:
                figures.p99_ms = result.p99_ms
            self.report.add(
                f"5. latency publish to commit, [sync] batch_timeout = {batch_timeout:g} s"
                f"{' (the default)' if default else ''}", size.name,
                f"p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, "
                f"max {result.max_ms:.0f} ms",
                f"{result.messages:,} messages at {result.achieved_rate:,.0f}/s, "
                f"{result.batches} batches",
                verdict(result.p99_ms, P99_TARGET_MS, " ms", higher_is_better=False),
            )  # fmt: skip
        self.check(size, "5. latency runs", truth)

    def measure_broker_ceilings(self, figures: Figures, ops: Drawn) -> None:
        """The broker's ceilings on (1b)'s bodies: plain kombu, and oslo.messaging's listener
        with an endpoint that does nothing; those of (1b)'s round of median ratio where it
        ran in rounds (``measure_against_oslo``), else drained here."""
        size = figures.size
        if figures.ceilings is None:
            LOG.info("%s: broker ceilings", size.name)
            figures.ceilings = self.broker_ceilings(ops)
        ceilings = figures.ceilings
        note = (
            "; drained in (1b)'s round of median ratio (every round's ratio in (1b))"
            if len(figures.rounds) > 1 else ""
        )
        rows = [
            (KOMBU_CEILING, ceilings.kombu),
            ("1. broker ceiling: oslo.messaging's batch listener as the sync sets it up, an "
             "endpoint that does nothing, the same bodies", ceilings.oslo),
            ("1. broker ceiling: the same no-op listener, Python's collector set as the sync "
             "sets it", ceilings.oslo_as_sync),
        ]  # fmt: skip
        for measurement, ceiling in rows:
            self.report.add(
                measurement, size.name,
                f"{_rate(ceiling.per_second)} ({ceiling.messages:,} in {ceiling.seconds:.1f} s, "
                f"{ceiling.batches} batches)", f"its CPU: {ceiling.cores:.2f} cores{note}",
            )  # fmt: skip

    def measure_neo4j_ceilings(self, figures: Figures, ops: Drawn, apply_row: Row) -> None:
        """Neo4j's own ceiling and the Python driver's, on a keyspace of their own: first
        built (as 1a), then written as (1b)'s batches fold to."""
        size = figures.size
        update = next(n for n in ops.notifications if n.event_type == "instance.update")
        template = instance_template(envelopes([update], self.clock.start_of(1))[0])
        ceiling = Ceiling(self.graph.driver, template, size.instances, size.hosts, BATCH_SIZE)
        folded = rows_per_batch(ops.notifications, BATCH_SIZE)
        rows = round(folded)
        LOG.info("%s: Neo4j's ceiling", size.name)
        build = ceiling.neo4j(ceiling.build_batches())
        figures.neo4j = ceiling.neo4j(ceiling.random_batches(len(ops), rows))
        figures.driver = ceiling.driver_ceiling(ceiling.random_batches(len(ops), rows))

        def figure(result: CeilingResult) -> str:
            return (
                f"{_rate(result.per_second)} ({result.rows_per_second:,.0f} rows/s: "
                f"{result.rows:,} rows in {result.seconds:.1f} s)"
            )

        def server(result: CeilingResult) -> str:
            per_second = result.server_per_second
            return f"server-side (statement times): {_rate(per_second)}" if per_second else ""

        assert figures.build is not None and figures.apply is not None and figures.e2e
        self.report.add(
            "2. Neo4j's own ceiling, build-up: rows made in Cypher, written by cdm-graph's "
            "lock, read, unhost and write statements, every instance of a keyspace the "
            f"cloud's size once, {BATCH_SIZE} rows (notifications) a transaction",
            size.name, figure(build),
            f"{server(build)}; ours end to end (1a): "
            f"{_ratio(figures.build.per_second, build.per_second)}",
        )  # fmt: skip
        self.report.add(
            f"2. Neo4j's own ceiling on the built keyspace: the same statements, {rows} random "
            f"instances a transaction moved to another host, as a batch of {BATCH_SIZE} of "
            f"(1b)'s stream folds to ({folded:.1f} instances on average)",
            size.name, figure(figures.neo4j),
            f"{server(figures.neo4j)}; ours apply-only: "
            f"{_ratio(figures.apply.per_second, figures.neo4j.per_second)}, end to end: "
            f"{_ratio(figures.e2e.per_second, figures.neo4j.per_second)}",
        )  # fmt: skip
        driver = figures.driver
        self.report.add(
            "2. Python driver's ceiling: the same statements and rows, made in Python and sent "
            "as parameters, one statement at a time", size.name, figure(driver),
            f"{_ratio(driver.per_second, figures.neo4j.per_second)} Neo4j's own ceiling; ours "
            f"apply-only: {_ratio(figures.apply.per_second, driver.per_second)}",
        )  # fmt: skip
        apply_row.comparison += (
            f"; {_ratio(figures.apply.per_second, figures.neo4j.per_second)} Neo4j's own "
            f"ceiling, {_ratio(figures.apply.per_second, driver.per_second)} the driver's"
        )

    def compare_e2e(self, figures: Figures, first: Figures | None) -> None:
        """Ours end to end against every ceiling and Watcher, on (1b)'s row."""
        e2e, row = figures.e2e, figures.e2e_row
        assert e2e is not None and row is not None
        ceilings = figures.ceilings
        against = [
            ("oslo.messaging's no-op ceiling", ceilings.oslo if ceilings else None),
            ("the no-op with the sync's collector settings",
             ceilings.oslo_as_sync if ceilings else None),
            ("kombu's", ceilings.kombu if ceilings else None),
            ("Neo4j's own", figures.neo4j),
            ("the driver's", figures.driver),
            ("Watcher's handler", figures.watcher),
        ]
        row.comparison = "; ".join(
            [f"{_ratio(e2e.per_second, other.per_second)} {name}"
             for name, other in against if other is not None] + [row.comparison]
        )  # fmt: skip
        if first is None and ceilings is not None:
            row.target += "; " + verdict(
                e2e.per_second / ceilings.oslo.per_second, OSLO_RATIO_TARGET,
                "x the oslo.messaging no-op ceiling",
            )  # fmt: skip

    def measure_simulator_stream(self, figures: Figures) -> None:
        """(1d): the synthetic stream of ``NovaSimulator``, on a cloud of its own."""
        size = figures.size
        self.graph.wipe()
        self.graph.mark()
        cloud = Cloud(size)
        LOG.info("%s: loading the simulator's cloud", size.name)
        applied, started = 0.0, time.perf_counter()
        for chunk in cloud.build(LOAD_CHUNK):
            rate = self.graph.apply(
                envelopes(chunk, self.clock.start_of(len(chunk))), LOAD_CHUNK, ahead=False
            )
            applied += rate.seconds
        load = Rate(cloud.build_messages, applied)
        counts = self.graph.counts()
        self.report.add(
            "load the simulator's cloud (its build stream through process_batch, 5,000 a "
            "batch)", size.name,
            f"{load.count:,} messages in {load.seconds:.1f} s: {_rate(load.per_second)}",
            f"graph: {counts['compute_nodes']:,} compute nodes, {counts['instances']:,} "
            f"instances; {time.perf_counter() - started:.0f} s with simulating",
        )  # fmt: skip
        stream = Drawn(cloud.operations(size.operations), cloud.simulator.truth())
        LOG.info("%s: end to end, simulator stream", size.name)
        result = self.end_to_end(
            figures, "1d. simulator stream", stream.bodies(self.clock.start_of(len(stream))),
            lambda: stream.truth,
        )  # fmt: skip
        row = self.e2e_row(
            "1d. end to end, the simulator's stream (`NovaSimulator`: fewer fields, `.start` "
            "events), `cdm-graph sync`, one process", size, result,
        )  # fmt: skip
        if figures.e2e is not None:
            row.comparison = (
                f"Nova-shaped (1b) is {_ratio(figures.e2e.per_second, result.per_second)} "
                f"this; {row.comparison}"
            )


def truth_of(drawn: Drawn) -> Callable[[], dict[str, Any]]:
    """The truth ``drawn`` ends with, when asked."""
    return lambda: drawn.truth


def drains_of_1b(figures: Figures) -> list[tuple[str, EndToEndResult]]:
    """(1b)'s drains at one size, named: each round's where it ran in rounds, else its one."""
    if figures.rounds:
        return [
            (f"1b round {number}", round_.sync)
            for number, round_ in enumerate(figures.rounds, start=1)
        ]
    return [] if figures.e2e is None else [("1b", figures.e2e)]


def processes_median(figures: Figures) -> Round | None:
    """The round of median ratio of (1c) to (1b); None if a round has no (1c)."""
    rounds = figures.rounds
    if not rounds or any(round_.processes_ratio is None for round_ in rounds):
        return None
    return sorted(rounds, key=lambda round_: round_.processes_ratio or 0.0)[len(rounds) // 2]


def processes_rounds(rounds: list[Round]) -> str:
    """Each round of (1c) against the one-process drain next to it."""
    return f"{len(rounds)} rounds (two processes / one): " + "; ".join(
        f"{round_.processes.per_second:,.0f} / {round_.sync.per_second:,.0f} = "
        f"{round_.processes_ratio:.2f}x"
        for round_ in rounds
        if round_.processes is not None
    )


def paired_rounds(rounds: list[Round]) -> str:
    """Each round of (1b) against the no-op listener's drains beside it."""
    return (
        f"{len(rounds)} rounds, each beside the no-op listener's drains (ours / its; ours / "
        "its with the sync's collector settings): " + "; ".join(
            f"{round_.sync.per_second:,.0f} / {round_.ceilings.oslo.per_second:,.0f} = "
            f"{round_.ratio:.2f}x; / {round_.ceilings.oslo_as_sync.per_second:,.0f} = "
            f"{round_.ratio_as_sync:.2f}x"
            for round_ in rounds
        )
    )  # fmt: skip


def targets(report: Report, measured: list[Figures]) -> None:
    """Issue 12's targets table, from the figures of this run."""
    first, last = measured[0], measured[-1]
    add = report.targets.append
    if first.e2e is not None:
        oslo = first.ceilings.oslo.per_second if first.ceilings else 0.0
        as_sync = first.ceilings.oslo_as_sync.per_second if first.ceilings else 0.0
        add(Target(
            f"end to end, Nova-shaped stream, {first.size.name}, one process", "~300/s",
            ">= 1,500/s, and >= 0.7x the oslo.messaging no-op ceiling of the same run",
            f"{_rate(first.e2e.per_second)}; {_ratio(first.e2e.per_second, oslo)} the no-op "
            "ceiling" + (
                f" (the median of {len(first.rounds)} rounds: "
                + _ratios(round_.ratio for round_ in first.rounds) + ")"
                if len(first.rounds) > 1 else ""
            ) + f"; {_ratio(first.e2e.per_second, as_sync)} the no-op with the sync's "
            "collector settings" + (
                " (its rounds: "
                + _ratios(round_.ratio_as_sync for round_ in first.rounds) + ")"
                if len(first.rounds) > 1 else ""
            ),
            verdict(first.e2e.per_second, E2E_TARGET, " /s") + "; "
            + (verdict(first.e2e.per_second / oslo, OSLO_RATIO_TARGET, "x") if oslo else "n/a"),
        ))  # fmt: skip
    median = processes_median(first)
    if median is not None and median.processes is not None:
        ratio = median.processes_ratio or 0.0
        how = "`[sync] processes = 2`" if HAS_PROCESSES else "two syncs in one pool (no option)"
        add(Target(
            f"end to end, same, {how}", "-", ">= 1.3x one process",
            f"{_rate(median.processes.per_second)}: {ratio:.2f}x one process drained next to "
            f"it (the median of {len(first.rounds)} rounds: "
            + _ratios(round_.processes_ratio or 0.0 for round_ in first.rounds) + ")",
            verdict(ratio, PROCESSES_RATIO_TARGET, "x"),
        ))  # fmt: skip
    if first.apply is not None:
        add(Target(
            f"apply-only, same stream, {first.size.name}", "~700/s", ">= 5,000/s",
            _rate(first.apply.per_second), verdict(first.apply.per_second, APPLY_TARGET, " /s"),
        ))  # fmt: skip
    ratios = [
        (figures.size.name, figures.same_stream.per_second / figures.watcher.per_second)
        for figures in measured
        if figures.same_stream is not None and figures.watcher is not None
    ]
    if ratios:
        add(Target(
            "end to end vs Watcher's handler, same stream, at every cloud size", "0.3-0.45x",
            ">= 2x", "; ".join(f"{name}: {ratio:.2f}x" for name, ratio in ratios),
            "; ".join(verdict(ratio, WATCHER_RATIO_TARGET, "x") for _, ratio in ratios),
        ))  # fmt: skip
    if last is not first and first.e2e is not None and last.e2e is not None:
        ratio = last.e2e.per_second / first.e2e.per_second
        add(Target(
            f"end to end at {last.size.name} vs {first.size.name}", "0.81x (simulator stream)",
            ">= 0.8x", f"{ratio:.2f}x", verdict(ratio, SCALE_TARGET, "x"),
        ))  # fmt: skip
    runs = [run for figures in measured for run in figures.runs]
    retries = sum(run.retries or 0 for run in runs)
    driver = sum(run.driver_retries for run in runs)
    unknown = sum(run.retries is None for run in runs)
    add(Target(
        "deadlock retries during the end-to-end runs", "30 per 20,000", "0",
        f"`cdm_graph_neo4j_retries_total` {retries:,}"
        + (f" ({unknown} runs' /metrics unread)" if unknown else "")
        + f"; the driver's own retries {driver:,}; over {len(runs)} runs",
        verdict(retries + driver, 0, "", higher_is_better=False),
    ))  # fmt: skip
    if last.snapshot_seconds is not None:
        add(Target(
            f"`snapshot()` at {last.size.name}", "57 s (200,000 instances)", "<= 5 s",
            f"{last.snapshot_seconds:.2f} s",
            verdict(last.snapshot_seconds, SNAPSHOT_TARGET_S, " s", higher_is_better=False),
        ))  # fmt: skip
    if last.reconcile is not None:
        listed = last.reconcile
        add(Target(
            f"reconcile apply at {last.size.name}", "251 s (200,000 servers)",
            "<= its listing time",
            f"apply of a listing in hand {listed.apply_seconds:.1f} s, listing "
            f"{listed.api_seconds:.1f} s; a reconcile writing while it lists "
            f"{listed.reconcile_seconds:.1f} s, {listed.writing_beyond_listing:.1f} s beyond "
            "its listing",
            "apply alone: " + verdict(listed.apply_seconds / listed.api_seconds, 1.0,
                                      "x the listing", higher_is_better=False)
            + "; what writing adds to a reconcile: "
            + verdict(listed.writing_beyond_listing / listed.api_seconds, 1.0,
                      "x the listing", higher_is_better=False),
        ))  # fmt: skip
    if first.p99_ms is not None:
        add(Target(
            "p99 publish to commit at 1,000/s", "226 ms", "<= 150 ms", f"{first.p99_ms:.0f} ms",
            verdict(first.p99_ms, P99_TARGET_MS, " ms", higher_is_better=False),
        ))  # fmt: skip
    # Every one-process drain, named: the build-ups, and (1b)'s.
    one_process = [
        (f"{name} at {figures.size.name}", run)
        for figures in measured
        for name, run in [("1a", figures.build), *drains_of_1b(figures)]
        if run is not None
    ]
    if one_process:
        where, largest = max(one_process, key=lambda named: named[1].peak_rss_mib)
        peak = largest.peak_rss_mib
        add(Target(
            "peak RSS of one sync process", "125 MiB", "<= 200 MiB",
            f"{peak:.0f} MiB, in {where} (the largest of {len(one_process)} one-process "
            "drains: the build-ups and (1b) at every size)",
            verdict(peak, RSS_TARGET_MIB, " MiB", higher_is_better=False),
        ))  # fmt: skip


def run(
    plan: Plan,
    neo4j_target: dict[str, Any],
    transport_url: str,
    output: Path,
    force: bool,
    profile: bool = False,
) -> Report:
    load_before = os.getloadavg()
    ticks_before = CpuTicks.read()
    replaced = kombu_ceiling_in(output)
    graph = BenchGraph(neo4j_target)
    report = Report(command=" ".join(["python -m bench", *map(shlex.quote, sys.argv[1:])]))
    try:
        graph.claim(force)
        report.machine = machine(graph.version(), load_before)
        report.notes.extend(METHOD_NOTES)
        with tempfile.TemporaryDirectory(prefix="cdm-graph-bench-") as workdir:
            bus = Bus(transport_url, neo4j_target, Path(workdir))
            bench = Bench(plan, graph, bus, report, profile, Path(workdir))
            measured: list[Figures] = []
            try:
                for size in plan.sizes:
                    measured.append(bench.measure_size(size, measured[0] if measured else None))
                    report.targets.clear()
                    targets(report, measured)
                    report.write(output)  # what is measured so far survives a later failure
            finally:
                bus.close()
        report.machine["load average after the run"] = ", ".join(
            f"{v:.2f}" for v in os.getloadavg()
        )
        report.machine["CPU stolen by the hypervisor during the run"] = stolen_share(
            ticks_before, CpuTicks.read()
        )
        first = measured[0] if measured else None
        report.machine["plain kombu's ceiling against the run these results replace"] = (
            machine_speed(
                KnownCeiling(first.size.name, first.ceilings.kombu.per_second)
                if first is not None and first.ceilings is not None else None,
                replaced,
            )
        )
        graph.wipe()
    finally:
        graph.close()
    report.write(output)
    return report
