"""RabbitMQ side of the benchmark: the pool's queue filled ahead of time with Nova's exact
wire format, and ``cdm-graph sync`` (a child process, as an operator runs it) draining it.

Publishing through oslo.messaging's Notifier costs far more per message than the sync spends
applying it, so the measured stream is published with kombu directly: same exchange, routing
key, body (``{"oslo.version": "2.0", "oslo.message": ...}``) and persistence as Nova's
messagingv2 driver. The queue itself is declared by the sync, with oslo.messaging's own
arguments: it is started once, stopped, and started again once the stream waits in it.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kombu
import oslo_messaging
from oslo_config import cfg

from cdm_graph import config
from cdm_graph.config import sync_opts
from tests.bus import SyncProcess, wait_for

SYNC_DEFAULTS = {opt.name: opt.default for opt in sync_opts}


def sync_has_option(name: str) -> bool:
    """Whether this tree's ``cdm-graph sync`` knows ``[sync] name``, wherever it is
    registered."""
    conf = cfg.ConfigOpts()
    config.register(conf)
    return name in conf.sync

ROUTING_KEY = "versioned_notifications.info"
COMMITTED = re.compile(
    r"batch committed: messages=(?P<messages>\d+) .*seconds=(?P<seconds>[\d.]+) "
    r"lag=(?P<lag>[-\d.]+)"
)
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kombu_url(transport_url: str) -> str:
    """kombu's URL for the first broker of an oslo.messaging transport URL."""
    conf = cfg.ConfigOpts()
    parsed = oslo_messaging.TransportURL.parse(conf, transport_url)
    host = parsed.hosts[0]
    return (
        f"amqp://{host.username or 'guest'}:{host.password or 'guest'}@"
        f"{host.hostname or 'localhost'}:{host.port or 5672}/{parsed.virtual_host or ''}"
    )


@dataclass(frozen=True, slots=True)
class Batch:
    """One ``batch committed`` line of the sync's log."""

    logged_at: float  # seconds since the epoch, millisecond precision, local time
    messages: int
    seconds: float
    lag: float | None


class Bus:
    """One benchmark's exchange and pool; deleted on close."""

    def __init__(self, transport_url: str, neo4j_target: dict[str, Any], workdir: Path) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.exchange = f"nova-bench-{suffix}"
        self.pool = f"cdm-graph-bench-{suffix}"
        self.transport_url = transport_url
        self.neo4j_target = neo4j_target
        self.workdir = workdir
        self.connection = kombu.Connection(kombu_url(transport_url))
        self._started = 0
        self._declared = False
        self._has_processes = sync_has_option("processes")

    def sync(self, **options: str) -> tuple[SyncProcess, int]:
        """A running ``cdm-graph sync`` on this bus, with its /metrics port."""
        process, port = self._sync_process(None, None, **options)
        return process.start(), port

    def _sync_process(
        self,
        module: str | None = None,
        environment: Mapping[str, str] | None = None,
        **options: str,
    ) -> tuple[SyncProcess, int]:
        """A sync, not started; ``module`` runs in place of ``cdm_graph.cli`` (a wrapper that
        takes the same arguments), with ``environment`` added to its variables."""
        port = free_port()
        self._started += 1
        # SyncProcess fixes the batch window for tests; the benchmark runs the product's.
        options.setdefault("sync__batch_timeout", str(SYNC_DEFAULTS["batch_timeout"]))
        options.setdefault("sync__batch_timeout_max", str(SYNC_DEFAULTS["batch_timeout_max"]))
        if self._has_processes:
            # One consumer process unless a run asks for more, whatever the default.
            options.setdefault("sync__processes", "1")
        process = SyncProcess(
            self.neo4j_target,
            self.transport_url,
            self.exchange,
            self.pool,
            self.workdir / f"sync-{self._started}.log",
            sync__metrics_port=str(port),
            **options,
        )
        if module is not None:
            process.argv = [sys.executable, "-m", module, "sync"]
        process.env.update(environment or {})
        return process, port

    @contextlib.contextmanager
    def running(
        self,
        count: int = 1,
        module: str | None = None,
        environment: Mapping[str, str] | None = None,
        **options: str,
    ) -> Iterator[list[tuple[SyncProcess, int]]]:
        """``count`` syncs for the block, started together, stopped cleanly at its end (an
        error if one failed)."""
        syncs = [self._sync_process(module, environment, **options) for _ in range(count)]
        try:
            for process, _ in syncs:
                process.launch()
            for process, _ in syncs:
                process.wait_started()
            yield syncs
            for process, _ in syncs:
                if process.stop() != 0:
                    raise RuntimeError(f"cdm-graph sync failed:\n{process.log()[-3000:]}")
        finally:
            for process, _ in syncs:
                if process.process is not None and process.process.poll() is None:
                    process.kill()

    def declare(self) -> None:
        """Let the sync declare the exchange and the pool's queue as it does, then stop
        (once: they stay until ``close``)."""
        if self._declared:
            return
        process, _ = self.sync()
        if process.stop() != 0:
            raise RuntimeError(f"cdm-graph sync failed:\n{process.log()[-3000:]}")
        self._declared = True

    def fill(self, bodies: Iterable[str]) -> int:
        """The pool's queue holding ``bodies`` and nothing else, counted by RabbitMQ; returns
        how many. What a run cut short left there is purged first."""
        self.declare()
        if self.waiting():
            self.purge()
        published = self.publish(bodies)
        wait_for(lambda: self.waiting() >= published, 120, "RabbitMQ to count the stream")
        return published

    def publish(self, bodies: Iterable[str]) -> int:
        """Publish serialized messagingv2 bodies as Nova's Notifier does; returns how many."""
        exchange = kombu.Exchange(self.exchange, type="topic", durable=False, passive=True)
        count = 0
        with self.connection.Producer(exchange=exchange, auto_declare=False) as producer:
            for body in bodies:
                producer.publish(
                    body,
                    routing_key=ROUTING_KEY,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                )
                count += 1
        return count

    def waiting(self) -> int:
        """Messages in the pool's queue, not yet delivered."""
        channel = self.connection.channel()
        try:
            _, count, _ = channel.queue_declare(queue=self.pool, passive=True)
            return int(count)
        finally:
            channel.close()

    def purge(self) -> int:
        """Empty the pool's queue (in this bus's virtual host); returns what it held."""
        channel = self.connection.channel()
        try:
            return int(channel.queue_purge(queue=self.pool) or 0)
        finally:
            channel.close()

    def close(self) -> None:
        deletions = (("queue_delete", {"queue": self.pool}),
                     ("exchange_delete", {"exchange": self.exchange}))  # fmt: skip
        for method, arguments in deletions:
            # Already gone (a run cut short): the error closes the channel; the next opens anew.
            channel = self.connection.channel()
            with contextlib.suppress(Exception):
                getattr(channel, method)(**arguments)
                channel.close()
        self.connection.release()


def metric_total(port: int, name: str) -> float:
    """Sum of the metric ``name`` over its labels on a sync's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith((f"{name} ", f"{name}{{"))
    )


def handled(port: int) -> int:
    """Sum of ``cdm_graph_messages_total`` on the sync's /metrics: every message it has
    applied, skipped or set aside, so far."""
    return int(metric_total(port, "cdm_graph_messages_total"))


def family(pid: int) -> list[int]:
    """The process and its descendants (a sync with ``[sync] processes`` has children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(stat[1])
    members, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        members.extend(frontier)
    return members


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the most resident memory the process has had (0 once it is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The neo4j driver's warning for each transaction it retries (a deadlock, mostly): its own
# retries never reach cdm_graph_neo4j_retries_total, which counts the service's backoff.
DRIVER_RETRY = "Transaction failed and will be retried"


def driver_retries(log: str) -> int:
    return log.count(DRIVER_RETRY)


class CommittedTally:
    """Messages of the ``batch committed`` lines of logs as they grow. Each count reads only
    what was written since the last: the bench polls while the syncs it times run, and must
    not take their CPU (re-reading a whole log five times a second did, once it was large)."""

    def __init__(self, logs: Iterable[Path]) -> None:
        self._read = dict.fromkeys(logs, 0)
        self._unfinished = dict.fromkeys(self._read, b"")
        self.messages = 0

    def count(self) -> int:
        for log, offset in self._read.items():
            with log.open("rb") as file:
                file.seek(offset)
                written = file.read()
            self._read[log] = offset + len(written)
            *lines, self._unfinished[log] = (self._unfinished[log] + written).split(b"\n")
            for line in lines:
                match = COMMITTED.search(line.decode(errors="replace"))
                if match is not None:
                    self.messages += int(match.group("messages"))
        return self.messages


def committed_batches(log: str) -> list[Batch]:
    batches: list[Batch] = []
    for line in log.splitlines():
        match = COMMITTED.search(line)
        stamp = LOG_TIME.match(line)
        if match is None or stamp is None:
            continue
        logged = time.mktime(time.strptime(stamp.group(1)[:19], "%Y-%m-%d %H:%M:%S"))
        lag = match.group("lag")
        batches.append(
            Batch(
                logged_at=logged + int(stamp.group(1)[20:]) / 1000,
                messages=int(match.group("messages")),
                seconds=float(match.group("seconds")),
                lag=None if lag == "-" else float(lag),
            )
        )
    return batches
