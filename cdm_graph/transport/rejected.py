"""The bodies oslo.messaging rejects, brought back where an operator can see them.

oslo.messaging rejects a body it cannot parse before any endpoint sees it; RabbitMQ drops it
unless a policy dead-letters the pool's queue to ``REJECTED_EXCHANGE`` (``tools/stack up`` sets
one; the README gives the command for other brokers). ``RejectedDrain`` declares that
exchange and its queue, and hands each message on with its reason before acknowledging it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.message import Message

from cdm_graph.transport.envelope import Rejection

LOG = logging.getLogger(__name__)

# Where the pool's queue dead-letters what oslo.messaging rejects.
REJECTED_EXCHANGE = "cdm-graph.rejected"


class RejectedDrain:
    """Moves what oslo.messaging rejected to ``store`` (the dead-letter store)."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        store: Callable[[Sequence[Rejection]], None],
    ) -> None:
        self._connect = connect
        self._store = store
        self._exchange = Exchange(REJECTED_EXCHANGE, "fanout", durable=True)
        self._queue = Queue(REJECTED_EXCHANGE, self._exchange, durable=True)

    def drain(self, limit: int = 500) -> int:
        """Store and acknowledge what waits, up to ``limit``; returns how many."""
        moved = 0
        with self._connect() as connection:
            queue = self._queue(connection.default_channel)
            queue.declare()
            while moved < limit:
                message = queue.get(no_ack=False)
                if message is None:
                    break
                self._store([rejection_of(message)])
                message.ack()
                moved += 1
        if moved:
            LOG.warning("%d unparseable messages moved to the dead-letter store", moved)
        return moved


def rejection_of(message: Message) -> Rejection:
    body = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    deaths = (message.headers or {}).get("x-death") or [{}]
    death = deaths[0]
    where = ", ".join(
        f"{key} {value}"
        for key, value in (
            ("queue", death.get("queue")),
            ("routing key", ",".join(death.get("routing-keys") or [])),
        )
        if value
    )
    return Rejection(
        f"unparseable body, rejected by oslo.messaging ({where or 'origin unknown'})", text
    )
