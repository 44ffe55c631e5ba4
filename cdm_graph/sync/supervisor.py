"""``cdm-graph sync`` in several processes: one parent that supervises, children that consume.

With ``[sync] processes`` above 1, ``cdm-graph sync`` is a parent that consumes nothing. It
starts that many children, each the one-process synchronizer (``service.run``) in the same
pool: they compete for the pool's messages as any consumers of one RabbitMQ queue do, and
each keeps the one-process guarantees (acknowledged after commit, handed back on a stop, bad
messages in the dead-letter store).

* **Children are ``cdm-graph sync`` started again**, a new interpreter given the parent's
  configuration files and environment (so the same ``OS_*`` variables). Not oslo.service's
  launcher: its eventlet backend forks a monkey-patched process, which oslo.messaging's
  threading executor and the Neo4j driver's threads are not written for, and its threading
  backend forks by default too, copying the parent's threads and sockets mid-use. A fresh
  interpreter shares nothing, so a child is exactly the process ``processes = 1`` runs.
* **Child 0 alone runs the periodic duties** (Browser labels, tombstone expiry, the
  rejected-body drain, reconcile): they are the service's, once. They restart with it.
* **SIGTERM or SIGINT**: the parent passes SIGTERM to every child, waits for each to commit
  or hand back its batch, and exits 0.
* **A child killed by a signal** (the OOM killer, a crash in a C extension, a stray
  ``kill``), or stopped cleanly while the service runs, is started again after a backoff
  (``RestartPolicy``), logged at ERROR. **A child that exits with an error of its own** (1:
  it cannot apply batches, as wrong credentials or a bug; 2: its configuration is wrong)
  would fail the same way again, its batch requeued each time: the parent stops the others
  and exits with that status, as the one process would, for systemd's ``Restart=`` or the
  operator to decide.
* **Metrics**: the children write theirs into a directory of the parent's (prometheus_client's
  multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``); the parent's ``/metrics`` serves their
  sum, with the children alive and restarted. Its ``/healthz`` checks Neo4j, RabbitMQ and
  the children.
* **A child whose parent is gone** (SIGKILLed) stops cleanly rather than consume unsupervised.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from oslo_config import cfg
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from cdm_graph.apply.writer import GraphWriter
from cdm_graph.metrics import Unhealthy, duties_check, serve
from cdm_graph.sync import service
from cdm_graph.transport.broker import rabbitmq_check

LOG = logging.getLogger(__name__)

# Where prometheus_client's multiprocess mode keeps each process's values (read at import).
MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seconds between two looks at the children (and at a stop request).
POLL_INTERVAL = 0.5
# Seconds between two looks of a child at its parent.
PARENT_CHECK_INTERVAL = 1.0

# How a child ends when told to stop: cleanly, or by the signal itself while still starting.
STOPPED = frozenset({0, -signal.SIGTERM, -signal.SIGINT})


class Child(Protocol):
    """A child process, as ``subprocess.Popen`` offers it."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


def describe(status: int) -> str:
    """A child's end, from its return code (negative: the signal that killed it)."""
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """Which ends of a child a restart cures, and how long to wait before it."""

    first_delay: float = 1.0
    max_delay: float = 60.0
    # A child that lived this long died of something new: its next restart waits first_delay.
    stable_after: float = 60.0

    def restarts(self, status: int) -> bool:
        """Killed by a signal, or stopped cleanly though the service did not ask: start it
        again. Exited with an error of its own: it would fail again, do not."""
        return status <= 0

    def delay(self, quick_deaths: int) -> float:
        """first_delay, doubled for each death in a row that came soon after a start."""
        return float(min(self.max_delay, self.first_delay * 2 ** min(quick_deaths, 32)))


@dataclass(slots=True)
class _Slot:
    """One of the N places for a child: who holds it, since when, and when it starts again."""

    index: int
    process: Child | None = None
    started: float = 0.0
    quick_deaths: int = 0
    due: float = 0.0


class Supervisor:
    """Keeps ``count`` children running. Its decisions take the time as an argument, so that
    they can be tested without processes or waiting."""

    def __init__(
        self,
        count: int,
        launch: Callable[[int], Child],
        policy: RestartPolicy | None = None,
        on_exit: Callable[[int], None] = lambda pid: None,
    ) -> None:
        self.slots = [_Slot(index) for index in range(count)]
        self.policy = policy or RestartPolicy()
        self.restarts = 0
        # The status of a child no restart can cure: the service stops and exits with it.
        self.failure: int | None = None
        self._launch_child = launch
        self._on_exit = on_exit

    def start(self, now: float) -> None:
        for slot in self.slots:
            self._launch(slot, now)

    def step(self, now: float) -> bool:
        """Reap the children that ended and start those due; False once one ended in a way a
        restart cannot cure."""
        for slot in self.slots:
            if slot.process is None:
                if now >= slot.due and self._launch(slot, now):
                    self.restarts += 1
                continue
            status = slot.process.poll()
            if status is None:
                continue
            pid = self._reap(slot)
            lived = now - slot.started
            if not self.policy.restarts(status):
                LOG.error(
                    "sync process %d (pid %d) %s after %.0f s: a restart would fail the same "
                    "way; stopping the service",
                    slot.index, pid, describe(status), lived,
                )
                self.failure = status
                return False
            self._retry_later(slot, now, lived)
            LOG.error(
                "sync process %d (pid %d) %s after %.0f s: restarting it in %.0f s",
                slot.index, pid, describe(status), lived, slot.due - now,
            )
        return True

    def alive(self) -> int:
        """Children running now (also asked from the metrics server's thread)."""
        processes = [slot.process for slot in self.slots]
        return sum(process is not None and process.poll() is None for process in processes)

    def health(self) -> str:
        """For /healthz: ``2/2 alive``; Unhealthy while any child is down."""
        alive = self.alive()
        report = f"{alive}/{len(self.slots)} alive"
        if alive < len(self.slots):
            raise Unhealthy(report)
        return report

    def stop(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> int:
        """SIGTERM to every child, then wait up to ``timeout`` seconds in all for them to
        commit or hand back their batches; SIGKILL what is left (RabbitMQ requeues what it
        had not acknowledged). The service's exit status."""
        running = [slot for slot in self.slots if slot.process is not None]
        for slot in running:
            assert slot.process is not None
            with contextlib.suppress(ProcessLookupError):
                slot.process.send_signal(signal.SIGTERM)
        deadline = clock() + timeout
        status = self.failure or 0
        for slot in running:
            process = slot.process
            assert process is not None
            try:
                code = process.wait(timeout=max(0.0, deadline - clock()))
            except subprocess.TimeoutExpired:
                LOG.error(
                    "sync process %d (pid %d) still running %.0f s after SIGTERM: killed",
                    slot.index, process.pid, timeout,
                )
                process.kill()
                code = process.wait()
            self._reap(slot)
            if code not in STOPPED:
                LOG.error("sync process %d (pid %d) %s on stopping", slot.index, process.pid,
                          describe(code))
                status = status or (code if code > 0 else 1)
        return status

    def _launch(self, slot: _Slot, now: float) -> bool:
        """Start the slot's child; whether it started (if not, it is tried again later)."""
        try:
            slot.process = self._launch_child(slot.index)
        except OSError:
            LOG.exception("cannot start sync process %d", slot.index)
            self._retry_later(slot, now, lived=0.0)
            return False
        slot.started = now
        return True

    def _retry_later(self, slot: _Slot, now: float, lived: float) -> None:
        slot.quick_deaths = 0 if lived >= self.policy.stable_after else slot.quick_deaths + 1
        slot.due = now + self.policy.delay(slot.quick_deaths)

    def _reap(self, slot: _Slot) -> int:
        assert slot.process is not None
        pid = slot.process.pid
        slot.process = None
        self._on_exit(pid)
        return pid


class SupervisorCollector(Collector):
    """The parent's own metrics: children alive, and restarts."""

    def __init__(self, supervisor: Supervisor) -> None:
        self._supervisor = supervisor

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "cdm_graph_sync_processes",
            "Sync processes alive, of [sync] processes.",
            value=self._supervisor.alive(),
        )
        yield CounterMetricFamily(
            "cdm_graph_sync_process_restarts",
            "Sync processes started again after one ended unasked.",
            value=self._supervisor.restarts,
        )


def launch(command: Sequence[str], index: int, metrics_dir: str | None) -> Child:
    """Start child ``index``: ``command`` and the index, in this environment, with the
    metrics directory if any."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name.upper() != MULTIPROC_DIR_ENV
    }
    if metrics_dir is not None:
        env[MULTIPROC_DIR_ENV] = metrics_dir
    process = subprocess.Popen([*command, str(index)], env=env, stdin=subprocess.DEVNULL)
    LOG.info("sync process %d started (pid %d)", index, process.pid)
    return process


def stop_timeout(conf: cfg.ConfigOpts) -> float:
    """How long a child may take to stop: its batch's driver retries (which a stop cannot cut
    short) twice over, its duties' own wait, and some margin."""
    return 2.0 * float(conf.neo4j.max_transaction_retry_time) + 30.0


def run(
    conf: cfg.ConfigOpts,
    writer: GraphWriter,
    url: str,
    command: Sequence[str],
    stopping: threading.Event | None = None,
) -> int:
    """The parent: run ``[sync] processes`` children (``command`` plus an index) until
    SIGTERM or SIGINT, or until one fails in a way a restart cannot cure; the exit status."""
    stopping = stopping or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    with contextlib.ExitStack() as stack:
        metrics_dir: str | None = None
        if conf.sync.metrics_port:
            metrics_dir = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="cdm-graph-metrics-")
            )

        def forget(pid: int) -> None:
            # A dead child's live gauges go; its counters stay in the sum.
            if metrics_dir is not None:
                mark_process_dead(pid, metrics_dir)  # type: ignore[no-untyped-call]

        supervisor = Supervisor(
            conf.sync.processes,
            lambda index: launch(command, index, metrics_dir),
            on_exit=forget,
        )
        if metrics_dir is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=metrics_dir)  # type: ignore[no-untyped-call]
            registry.register(SupervisorCollector(supervisor))
            server = serve(
                conf.sync.metrics_host,
                conf.sync.metrics_port,
                registry,
                {
                    "neo4j": writer.ping,
                    "rabbitmq": rabbitmq_check(conf, url),
                    "children": supervisor.health,
                    # The duties run in child 0; their failures, summed, are here.
                    "duties": duties_check(registry),
                },
            )
            stack.callback(server.shutdown)
        LOG.info(
            "running %d sync processes in pool %s", conf.sync.processes, conf.notifications.pool
        )
        try:
            supervisor.start(time.monotonic())
            while not stopping.wait(POLL_INTERVAL) and supervisor.step(time.monotonic()):
                pass
        finally:
            LOG.info("stopping: each sync process finishes its batches")
            status = supervisor.stop(stop_timeout(conf))
    LOG.info("stopped")
    return status


def run_child(conf: cfg.ConfigOpts, writer: GraphWriter, url: str, index: int) -> int:
    """Child ``index`` of a parent: the one-process synchronizer, with the periodic duties
    in child 0 only, without a metrics server (the parent serves the service's), stopping
    if the parent goes."""
    conf.set_override("metrics_port", 0, group="sync")
    stopping = threading.Event()
    _watch_parent(os.getppid(), stopping)
    LOG.info(
        "sync process %d of %d%s",
        index,
        conf.sync.processes,
        ", with the periodic duties" if index == 0 else "",
    )
    return service.run(conf, writer, url, stopping, periodic=index == 0)


def _watch_parent(parent: int, stopping: threading.Event) -> None:
    """Stop when the parent is gone: no one would restart or stop this process."""

    def watch() -> None:
        while not stopping.wait(PARENT_CHECK_INTERVAL):
            if os.getppid() != parent:
                LOG.error("the parent process (pid %d) is gone: stopping", parent)
                stopping.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
