"""Publishing as Nova does: oslo.messaging's Notifier set up as Nova's, and a pacer."""

from __future__ import annotations

import time

import oslo_messaging
from oslo_config import cfg
from oslo_messaging import opts as oslo_messaging_opts

from cdm_graph.simulate.payloads import Notification


class NovaNotifier:
    """oslo.messaging's Notifier set up as Nova's: driver messagingv2, the given topic, and
    the exchange Nova publishes to (``control_exchange``, ``nova``)."""

    def __init__(self, conf: cfg.ConfigOpts, url: str, exchange: str, topic: str) -> None:
        # Nova's exchange is its control_exchange, read when the transport is made; the
        # Notifier has no other way to set it. Registering oslo.messaging's options again
        # is a no-op where they are.
        for group, opts in oslo_messaging_opts.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_override("control_exchange", exchange)
        self._transport = oslo_messaging.get_notification_transport(conf, url=url)
        self._notifier = oslo_messaging.Notifier(
            self._transport, driver="messagingv2", topics=[topic]
        )
        self._prepared: dict[str, oslo_messaging.Notifier] = {}

    def publish(self, notification: Notification) -> None:
        notifier = self._prepared.get(notification.publisher_id)
        if notifier is None:
            notifier = self._notifier.prepare(publisher_id=notification.publisher_id)
            self._prepared[notification.publisher_id] = notifier
        send = notifier.error if notification.priority.upper() == "ERROR" else notifier.info
        send({}, notification.event_type, notification.payload)

    def close(self) -> None:
        self._transport.cleanup()


class Pacer:
    """Spreads sends evenly at ``rate`` per second (0: as fast as possible), without drift."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()

    def wait(self) -> None:
        if not self._interval:
            return
        self._next += self._interval
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
