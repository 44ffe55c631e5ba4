"""The real services answer: Bolt, the Neo4j Browser, and Nova-style notifications over AMQP;
``tools/stack status`` reports them, and cdm-graph finds them through the file ``up`` wrote."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from cdm_graph.config import CONFIG_FILE_ENV
from devstack import stack
from tests.bus import delete_queue

pytestmark = pytest.mark.functional

NOTIFICATION_WAIT = 30.0
TOOL = Path(__file__).resolve().parents[2] / "tools" / "stack"


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


def _stack_status(*services: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, str(TOOL), "status", *services],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    return result.returncode, json.loads(result.stdout)


def test_stack_status_of_neo4j_reports_it_alone(neo4j_target: dict[str, Any]) -> None:
    if neo4j_target["source"] != "stack":
        pytest.skip("tools/stack reports the local stack only")
    code, report = _stack_status("neo4j")
    assert code == 0, report
    assert "rabbitmq" not in report
    assert report["neo4j"]["running"] or report["neo4j"]["external"]
    assert report["neo4j"]["uri"] == neo4j_target["uri"]


def test_stack_status_of_rabbitmq_reports_it_alone(transport_url: str) -> None:
    if transport_url != stack.transport_url():
        pytest.skip("tools/stack reports the local stack only")
    code, report = _stack_status("rabbitmq")
    assert code == 0, report
    assert "neo4j" not in report
    assert report["rabbitmq"]["running"]


def test_cdm_graph_finds_the_stacks_neo4j_through_the_file_up_wrote(
    graph: Any, neo4j_target: dict[str, Any], tmp_path: Path
) -> None:
    if neo4j_target["source"] != "stack":
        pytest.skip("the file is written by the local stack's up")
    graph.execute_query(
        "CREATE (:ComputeNode {hostname: 'smoke-1', status: 'enabled', state: 'up'})"
    )
    # As an analyst's shell has it: the file named, no OS_* variable, no --config-file.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OS_")}
    environment[CONFIG_FILE_ENV] = str(stack.config_file())
    result = subprocess.run(
        [sys.executable, "-m", "cdm_graph.cli", "browser", "label"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "labelled 1 compute nodes"
    records, _, _ = graph.execute_query("MATCH (c:ComputeNode:Enabled:Up) RETURN count(c) AS n")
    assert records[0]["n"] == 1


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
        delete_queue(transport_url, pool)
        if transport_url == stack.transport_url():
            # The Notifier also declares the default queue (topic.priority) so that nothing
            # is lost without listeners; on the throwaway local broker, drop it with the
            # copy of our message, unless someone consumes it. Never on a broker from the
            # environment, where it may hold real notifications.
            delete_queue(transport_url, "versioned_notifications.info", if_unused=True)
        transport.cleanup()

    assert publisher_id == "nova-compute:host1"
    assert event_type == "instance.create.end"
    assert got["nova_object.data"]["uuid"] == instance_uuid
    assert metadata["timestamp"] and metadata["message_id"]
