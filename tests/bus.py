"""Publishing to the real RabbitMQ as Nova does, and running ``cdm-graph sync`` beside it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from oslo_config import cfg
from oslo_log import log as oslo_log
from oslo_messaging import opts as oslo_messaging_opts

from cdm_graph.simulate import Notification, NovaNotifier
from cdm_graph.transport.envelope import Envelope


def delete_queue(transport_url: str, name: str, if_unused: bool = False) -> None:
    """Delete the queue ``name`` on the broker of ``transport_url``; absent, or in use where
    ``if_unused``, it stays as it is."""
    import kombu

    amqp_url = "amqp://" + transport_url.split("://", 1)[1]
    with contextlib.suppress(Exception), kombu.Connection(amqp_url, connect_timeout=10) as conn:
        conn.default_channel.queue_delete(name, if_unused=if_unused)


class NovaPublisher:
    """Publishes as Nova does (``cdm_graph.simulate.NovaNotifier``), from envelopes."""

    def __init__(self, transport_url: str, exchange: str, **rabbit_options: Any) -> None:
        conf = cfg.ConfigOpts()
        conf([], project="cdm-graph-tests", default_config_files=[])
        for group, opts in oslo_messaging_opts.list_opts():
            conf.register_opts(opts, group=group)
        for name, value in rabbit_options.items():
            conf.set_override(name, value, group="oslo_messaging_rabbit")
        self._notifier = NovaNotifier(conf, transport_url, exchange, "versioned_notifications")

    def publish_notification(self, notification: Notification) -> None:
        self._notifier.publish(notification)

    def publish(self, envelope: Envelope) -> None:
        self._notifier.publish(
            Notification(
                envelope.publisher_id, envelope.event_type, envelope.payload, envelope.priority
            )
        )

    def publish_all(self, envelopes: Iterable[Envelope]) -> None:
        for envelope in envelopes:
            self.publish(envelope)

    def close(self) -> None:
        self._notifier.close()


class SyncProcess:
    """``cdm-graph sync`` in a child process, configured through OS_* variables only. With
    ``sync__processes`` above 1 it is the parent of that many consumers, whose lines share
    its log (each line names its process id). The log has the DEBUG line of each committed
    batch ("batch committed"), which tests wait on."""

    def __init__(
        self,
        neo4j_target: Mapping[str, Any],
        transport_url: str,
        exchange: str,
        pool: str,
        log_file: Path,
        **options: str,
    ) -> None:
        self.env = {
            **os.environ,
            "OS_NEO4J__URI": neo4j_target["uri"],
            "OS_NEO4J__USERNAME": neo4j_target["username"],
            "OS_NEO4J__PASSWORD": neo4j_target["password"],
            "OS_DEFAULT__TRANSPORT_URL": transport_url,
            "OS_NOTIFICATIONS__EXCHANGE": exchange,
            "OS_NOTIFICATIONS__POOL": pool,
            "OS_SYNC__METRICS_PORT": "0",
            "OS_SYNC__BATCH_TIMEOUT": "0.2",
            # Fixed: a test's burst of notifications would widen it, and slow the test.
            "OS_SYNC__BATCH_TIMEOUT_MAX": "0.2",
            "OS_DEFAULT__DEFAULT_LOG_LEVELS": ",".join(
                [*oslo_log.get_default_log_levels(), "cdm_graph.sync.handler=DEBUG"]
            ),
            **{f"OS_{key.upper()}": value for key, value in options.items()},
        }
        self.log_file = log_file
        self.consumers = int(options.get("sync__processes", "1"))
        # What runs; the benchmark runs the sync under a profiler in its place.
        self.argv = [sys.executable, "-m", "cdm_graph.cli", "sync"]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SyncProcess:
        return self.launch().wait_started()

    def launch(self) -> SyncProcess:
        """Start the process without waiting for it (several may then start together)."""
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_started(self) -> SyncProcess:
        wait_for(
            lambda: self.log().count("consuming") >= self.consumers, 60, "sync to start"
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(30)

    def log(self) -> str:
        return self.log_file.read_text()

    def children(self) -> dict[int, int]:
        """With several processes: each child's index and the pid it has now, from the log."""
        started = re.findall(r"sync process (\d+) started \(pid (\d+)\)", self.log())
        return {int(index): int(pid) for index, pid in started}

    def committed(self, pid: int) -> int:
        """Batches the process ``pid`` committed, from the log."""
        return len(re.findall(rf"^\S+ \S+ {pid} DEBUG .*batch committed", self.log(), re.M))


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def http_get(url: str) -> tuple[int, str]:
    """Status and body of a GET, errors included (the sync's /metrics and /healthz)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
