"""The real services answer: Bolt, the Neo4j Browser, and Nova-style notifications over AMQP."""

from __future__ import annotations

import contextlib
import queue
import urllib.request
import uuid
from typing import Any

import pytest

from cdm_graph import stack

pytestmark = pytest.mark.functional

NOTIFICATION_WAIT = 30.0


def test_bolt_round_trip(graph: Any) -> None:
    marker = str(uuid.uuid4())
    graph.execute_query("CREATE (:StackSmoke {marker: $marker})", marker=marker)
    records, _, _ = graph.execute_query(
        "MATCH (n:StackSmoke {marker: $marker}) RETURN n.marker AS marker", marker=marker
    )
    assert [record["marker"] for record in records] == [marker]
    graph.execute_query("MATCH (n:StackSmoke) DETACH DELETE n")


def test_browser_answers(neo4j_target: dict[str, Any]) -> None:
    if neo4j_target["source"] != "stack":
        pytest.skip("the Browser URL is known only for the local stack")
    with urllib.request.urlopen(stack.browser_url(), timeout=10) as response:
        assert response.status == 200
        body = response.read().decode("utf-8", errors="replace")
    assert "<title>Neo4j Browser</title>" in body


def _delete_queue(url: str, name: str, if_unused: bool = False) -> None:
    import kombu

    amqp_url = "amqp://" + url.split("://", 1)[1]
    with contextlib.suppress(Exception), kombu.Connection(amqp_url, connect_timeout=5) as conn:
        conn.default_channel.queue_delete(name, if_unused=if_unused)


def test_notification_reaches_listener(transport_url: str) -> None:
    import oslo_messaging
    from oslo_config import cfg
    from oslo_messaging import opts as messaging_opts

    conf = cfg.ConfigOpts()
    conf(args=[], project="cdm-graph-smoke", default_config_files=[])
    # Nova publishes to the exchange named by its control_exchange ('nova'); a Notifier has
    # no Target of its own, so the transport carries the exchange, as in Nova.
    conf.register_opts(dict(messaging_opts.list_opts())[None])
    conf.set_override("control_exchange", "nova")
    transport = oslo_messaging.get_notification_transport(conf, url=transport_url)

    received: queue.Queue[tuple[str, str, dict[str, Any], dict[str, Any]]] = queue.Queue()

    class Endpoint:
        def info(
            self,
            ctxt: dict[str, Any],
            publisher_id: str,
            event_type: str,
            payload: dict[str, Any],
            metadata: dict[str, Any],
        ) -> None:
            received.put((publisher_id, event_type, payload, metadata))

    pool = f"cdm-graph-smoke-{uuid.uuid4().hex[:12]}"
    listener = oslo_messaging.get_notification_listener(
        transport,
        [oslo_messaging.Target(topic="versioned_notifications", exchange="nova")],
        [Endpoint()],
        executor="threading",
        pool=pool,
    )
    # Start the listener first: it declares the pool's queue; a message published before
    # the queue exists is dropped by the exchange.
    listener.start()
    try:
        instance_uuid = str(uuid.uuid4())
        payload = {
            "nova_object.name": "InstanceCreatePayload",
            "nova_object.namespace": "nova",
            "nova_object.version": "1.12",
            "nova_object.data": {"uuid": instance_uuid, "host": "host1"},
        }
        notifier = oslo_messaging.Notifier(
            transport,
            publisher_id="nova-compute:host1",
            driver="messagingv2",
            topics=["versioned_notifications"],
        )
        notifier.info({}, "instance.create.end", payload)

        publisher_id, event_type, got, metadata = received.get(timeout=NOTIFICATION_WAIT)
    finally:
        listener.stop()
        listener.wait()
        # Left bound to nova's exchange, the pool's queue would hoard every notification
        # later tests publish.
        _delete_queue(transport_url, pool)
        if transport_url == stack.transport_url():
            # The Notifier also declares the default queue (topic.priority) so that nothing
            # is lost without listeners; on the throwaway local broker, drop it with the
            # copy of our message, unless someone consumes it. Never on a broker from the
            # environment, where it may hold real notifications.
            _delete_queue(transport_url, "versioned_notifications.info", if_unused=True)
        transport.cleanup()

    assert publisher_id == "nova-compute:host1"
    assert event_type == "instance.create.end"
    assert got["nova_object.data"]["uuid"] == instance_uuid
    assert metadata["timestamp"] and metadata["message_id"]
