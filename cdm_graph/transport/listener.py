"""oslo.messaging's batch notification listener, in a named pool, with endpoints for every
priority.

A batch is acknowledged when its endpoint returns, so the handler given here returns only
once the batch may be acknowledged (``HANDLED``), or hands it back (``REQUEUE``).
"""

from __future__ import annotations

import logging
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
