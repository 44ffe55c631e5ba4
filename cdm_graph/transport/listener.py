"""oslo.messaging's batch notification listener, in a named pool, with endpoints for every
priority.

A batch is acknowledged when its endpoint returns, so the handler given here returns only
once the batch may be acknowledged (``HANDLED``), or hands it back (``REQUEUE``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import oslo_messaging
from oslo_config import cfg

LOG = logging.getLogger(__name__)

HANDLED = oslo_messaging.NotificationResult.HANDLED
REQUEUE = oslo_messaging.NotificationResult.REQUEUE

# (messages of one priority, that priority) -> HANDLED or REQUEUE
BatchHandling = Callable[[Sequence[dict[str, Any]], str], Any]


class NotificationEndpoint:
    """oslo.messaging calls one method per priority present in a batch. Nova sends ``info``
    and ``error``; the others are here so that no message is acknowledged unseen."""

    def __init__(self, handle: BatchHandling) -> None:
        self._handle = handle

    def audit(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "AUDIT")

    def debug(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "DEBUG")

    def info(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "INFO")

    def warn(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "WARN")

    def error(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "ERROR")

    def critical(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "CRITICAL")

    def sample(self, messages: list[dict[str, Any]]) -> Any:
        return self._handle(messages, "SAMPLE")


# How far behind Nova's clock the newest notification of a batch must be before the window
# widens: a second, next to which a longer window adds little. A hiccup (a pause of Neo4j's
# collector, a checkpoint) leaves a few batches waiting for a fraction of that, and should not
# lengthen the wait of what comes next.
BEHIND_SECONDS = 1.0


class BatchWindow:
    """How long the listener gathers one batch: ``shortest`` ([sync] batch_timeout) while the
    sync keeps up, up to ``longest`` ([sync] batch_timeout_max) while it is behind.

    Under a backlog a batch closes when its window ends (the consumer takes messages off the
    queue at its own pace, well under what is waiting), so the window decides a batch's size,
    and each batch pays a transaction's fixed cost. The window doubles at each batch whose
    newest notification is ``BEHIND_SECONDS`` or more behind Nova's clock, and is back to the
    shortest at the first batch less than that behind. At a rate the sync keeps up with, a
    notification waits no longer than ``shortest`` for its batch.

    How far behind is the only signal. How long workers wait for their batches is not one: on
    a backlog, oslo.messaging's consumer, whose work per message is most of a process's, paces
    the batches as much as the workers do, and a worker waiting for the next one is no sign
    that the queue is empty (draining 30,000 notifications at 1,000 hosts, a window that
    narrowed whenever a worker waited made batches of 51-79 messages; a 0.5 s one made batches
    of 500, and drained 1.07-1.36x as fast).

    Behind is by Nova's clock against this host's: OpenStack's hosts keep their clocks in step
    (NTP). A batch's newest notification is read, so one host's slow clock does not count;
    should every Nova host run a second or more slow, the window stays wide, and notifications
    wait up to ``longest`` for their batch (``cdm_graph_batch_window_seconds`` shows it).

    oslo.messaging's listener reads its ``batch_timeout`` at each poll (the rabbit driver's
    ``PollStyleListenerAdapter``): ``steer`` hands over a started server's listener. Until
    then, the window only reports what it would be."""

    def __init__(
        self,
        shortest: float,
        longest: float,
        on_change: Callable[[float], object] = lambda seconds: None,
    ) -> None:
        self.shortest = shortest
        self.longest = max(shortest, longest)
        self.seconds = shortest
        self._on_change = on_change
        self._listener: Any = None
        self._lock = threading.Lock()

    @classmethod
    def configured(
        cls, conf: cfg.ConfigOpts, on_change: Callable[[float], object]
    ) -> BatchWindow:
        return cls(conf.sync.batch_timeout, conf.sync.batch_timeout_max, on_change)

    def steer(self, server: Any) -> None:
        """Steer the window of ``server``, a started batch notification listener."""
        with self._lock:
            self._listener = server.listener
            self._listener.batch_timeout = self.seconds
            self._on_change(self.seconds)

    def batch_taken(self, behind: float | None) -> None:
        """A worker took a batch whose newest notification is ``behind`` seconds older than
        this host's clock (None: it has no time, and changes nothing). oslo.messaging hands a
        batch over one priority at a time: each part counts here as a batch of its own (a
        mixed batch that is behind doubles the window twice; Nova's ``error`` notifications
        are few)."""
        if behind is None:
            return  # its messages were unreadable: no news of the queue
        with self._lock:
            if behind < BEHIND_SECONDS:
                wanted = self.shortest
            else:
                wanted = min(self.seconds * 2, self.longest)
            if wanted == self.seconds:
                return
            self.seconds = wanted
            if self._listener is not None:
                self._listener.batch_timeout = wanted
            # Under the lock: two workers' changes reach the gauge in the order they are made.
            self._on_change(wanted)


def bound_prefetch(conf: cfg.ConfigOpts) -> None:
    """RabbitMQ's default prefetch (0) pulls the whole backlog into memory: bound it."""
    rabbit = conf.oslo_messaging_rabbit
    if rabbit.rabbit_qos_prefetch_count <= 0:
        prefetch = 2 * conf.sync.batch_size * conf.sync.workers
        conf.set_override("rabbit_qos_prefetch_count", prefetch, group="oslo_messaging_rabbit")
        LOG.info("rabbit_qos_prefetch_count was unbounded: set to %d", prefetch)


def batch_listener(
    conf: cfg.ConfigOpts, transport: oslo_messaging.Transport, handle: BatchHandling
) -> Any:
    """A listener of Nova's topic in ``[notifications] pool``, ``[sync] workers`` batches at
    once; it hands each batch to ``handle``. Not started."""
    bound_prefetch(conf)
    targets = [
        oslo_messaging.Target(
            topic=conf.notifications.topic, exchange=conf.notifications.exchange
        )
    ]
    listener = oslo_messaging.get_batch_notification_listener(
        transport,
        targets,
        [NotificationEndpoint(handle)],
        executor="threading",
        allow_requeue=True,
        pool=conf.notifications.pool,
        batch_size=conf.sync.batch_size,
        batch_timeout=conf.sync.batch_timeout,
    )
    conf.set_override("executor_thread_pool_size", conf.sync.workers)
    return listener
