"""Plain AMQP connections to Nova's RabbitMQ, for what oslo.messaging does not offer: the
health check and the queue of rejected messages."""

from __future__ import annotations

from collections.abc import Callable

import oslo_messaging
from kombu.connection import Connection
from oslo_config import cfg


def kombu_connection(conf: cfg.ConfigOpts, url: str | None) -> Connection:
    """A connection to the first broker of ``url``."""
    parsed = oslo_messaging.TransportURL.parse(conf, url)
    host = parsed.hosts[0] if parsed.hosts else None
    return Connection(
        hostname=(host.hostname if host else None) or "localhost",
        port=(host.port if host else None) or 5672,
        userid=(host.username if host else None) or "guest",
        password=(host.password if host else None) or "guest",
        virtual_host=parsed.virtual_host or "/",
        connect_timeout=3,
    )


def rabbitmq_check(conf: cfg.ConfigOpts, url: str | None) -> Callable[[], None]:
    """A check that opens and closes one AMQP connection to the first broker of ``url``."""

    def check() -> None:
        connection = kombu_connection(conf, url)
        try:
            connection.ensure_connection(max_retries=1)
        finally:
            connection.release()

    return check
