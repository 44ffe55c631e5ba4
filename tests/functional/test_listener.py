"""oslo.messaging's batch listener as the sync sets it up, on the real RabbitMQ: its window
follows the backlog (``cdm_graph.transport.listener.BatchWindow``)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import oslo_messaging
import pytest
from oslo_config import cfg

from cdm_graph import config
from cdm_graph.apply.pipeline import utcnow
from cdm_graph.transport.envelope import from_listener
from cdm_graph.transport.listener import HANDLED, BatchWindow, batch_listener
from tests.bus import NovaPublisher, delete_queue, wait_for
from tests.nova import notification

SHORTEST, LONGEST = 0.02, 0.16
# Each batch keeps its only worker this long: every batch after the first few waits for it.
SLOW_WORKER = 0.1
MESSAGES = 1000
# Published at this pace, a batch holds about RATE x its window: 8 messages in the shortest,
# 64 in the longest, far from batch_size and from the prefetch.
RATE = 400.0


class SlowWorker:
    """The sync's handler as the window sees it: how far behind this host's clock each
    batch's newest notification is goes to the window; then it holds the batch a while and
    keeps its size."""

    def __init__(self, window: BatchWindow) -> None:
        self.window = window
        # The started listener, whose window is read at each handled batch.
        self.server: Any = None
        self.sizes: list[int] = []
        # The listener's window when each batch reached the worker, before the batch moved it.
        self.windows: list[float] = []
        self.lock = threading.Lock()

    def handle(self, messages: list[dict[str, Any]], priority: str) -> Any:
        with self.lock:
            self.sizes.append(len(messages))
            self.windows.append(self.server.listener.batch_timeout)
        newest = max(
            from_listener(
                message["publisher_id"], message["event_type"], message["payload"],
                message["metadata"],
            ).time
            for message in messages
        )
        self.window.batch_taken((utcnow() - newest).total_seconds())
        time.sleep(SLOW_WORKER)
        return HANDLED

    def handled(self) -> int:
        with self.lock:
            return sum(self.sizes)


@pytest.fixture
def listening(
    transport_url: str, tmp_path: Path
) -> Iterator[tuple[SlowWorker, Any, NovaPublisher]]:
    suffix = uuid.uuid4().hex[:8]
    exchange, pool = f"nova-test-{suffix}", f"cdm-graph-test-{suffix}"
    # A file rather than set_override: oslo.config keeps overrides of our options on their
    # groups, which every ConfigOpts registering them shares.
    conf_file = tmp_path / "cdm-graph.conf"
    conf_file.write_text(
        f"[notifications]\nexchange = {exchange}\npool = {pool}\n"
        f"[sync]\nworkers = 1\nbatch_timeout = {SHORTEST}\nbatch_timeout_max = {LONGEST}\n"
    )
    conf = cfg.ConfigOpts()
    config.register(conf)
    conf(args=[], default_config_files=[str(conf_file)])
    transport = oslo_messaging.get_notification_transport(conf, url=transport_url)
    window = BatchWindow.configured(conf, lambda seconds: None)
    worker = SlowWorker(window)
    server = batch_listener(conf, transport, worker.handle)
    # Started first, it declares the pool's queue: what is published before is dropped.
    server.start()
    worker.server = server
    window.steer(server)
    publisher = NovaPublisher(transport_url, exchange)
    try:
        yield worker, server, publisher
    finally:
        publisher.close()
        server.stop()
        server.wait()
        transport.cleanup()
        # The notifier's default queue, bound to this exchange too, holds a copy of each.
        for queue in (pool, "versioned_notifications.info"):
            delete_queue(transport_url, queue)


def test_a_backlog_widens_the_window_and_a_batch_that_caught_up_narrows_it(
    listening: tuple[SlowWorker, Any, NovaPublisher],
) -> None:
    worker, server, publisher = listening
    started = time.monotonic()
    for number in range(MESSAGES):
        time.sleep(max(0.0, started + number / RATE - time.monotonic()))
        publisher.publish(notification("instance.update"))
    rate = MESSAGES / (time.monotonic() - started)
    wait_for(lambda: worker.handled() >= MESSAGES, 120, "every message to be handled")

    # The worker fell a second behind: the window doubled up to its longest, in the listener
    # too.
    assert LONGEST in worker.windows, worker.windows
    widened = worker.windows.index(LONGEST)
    assert worker.windows[: widened + 1] == sorted(worker.windows[: widened + 1])
    # The consumer takes messages off the queue as they come, for one window a batch: the
    # listener gathered batches no window of batch_timeout could.
    assert max(worker.sizes) > 4 * SHORTEST * rate, (rate, worker.sizes)
    assert worker.handled() == MESSAGES

    # A notification published once the backlog is gone is not behind: back to batch_timeout.
    time.sleep(SLOW_WORKER + SHORTEST * 2)
    publisher.publish(notification("instance.update"))
    wait_for(lambda: worker.handled() == MESSAGES + 1, 30, "the late message to be handled")
    assert worker.window.seconds == SHORTEST
    assert server.listener.batch_timeout == SHORTEST
