"""``cdm-graph sync`` against the real RabbitMQ and Neo4j: nothing lost, whatever happens.

Each test has its own exchange and pool (queue), so a test's leftovers never reach another.
The tests that stop a server do so only with the local stack, which they own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kombu
import pytest

from cdm_graph.apply.pipeline import decode_batch, process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.families.base import Action
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.plan.clock import from_us
from cdm_graph.simulate import NovaSimulator, Pacer
from cdm_graph.transport.envelope import Envelope, from_record
from devstack import stack
from tests.bus import NovaPublisher, SyncProcess, http_get, wait_for
from tests.graphs import read_graph, read_truth_view, truth_differences
from tests.nova import notification

pytestmark = pytest.mark.functional

CONVERGE_SECONDS = 180


class Bus:
    """One test's exchange and pool on the real RabbitMQ, and the processes using them."""

    def __init__(
        self, neo4j_target: dict[str, Any], transport_url: str, tmp_path: Path, **rabbit: Any
    ) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.exchange = f"nova-test-{suffix}"
        self.pool = f"cdm-graph-test-{suffix}"
        self.neo4j_target = neo4j_target
        self.transport_url = transport_url
        self.tmp_path = tmp_path
        self.rabbit = rabbit
        self.publisher = NovaPublisher(transport_url, self.exchange, **rabbit)
        self.processes: list[SyncProcess] = []
        # A queue of the test's own on the same exchange and routing keys: a copy of every
        # message as Nova's notifier sent it (timestamps and message ids included), the
        # oracle's record of what was published.
        self.witness = f"witness-{suffix}"
        durable = bool(rabbit.get("amqp_durable_queues"))
        exchange = kombu.Exchange(self.exchange, "topic", durable=durable)
        with self.connection() as conn:
            for key in ("versioned_notifications.info", "versioned_notifications.error"):
                queue = kombu.Queue(self.witness, exchange, routing_key=key, durable=durable)
                queue(conn.default_channel).declare()

    def sync(self, **options: str) -> SyncProcess:
        rabbit = {
            f"oslo_messaging_rabbit__{name}": str(value) for name, value in self.rabbit.items()
        }
        process = SyncProcess(
            self.neo4j_target,
            self.transport_url,
            self.exchange,
            self.pool,
            self.tmp_path / f"sync-{len(self.processes)}.log",
            **rabbit,
            **options,
        )
        self.processes.append(process)
        return process.start()

    def publish_simulation(
        self, simulator: NovaSimulator, operations: int, rate: float
    ) -> threading.Thread:
        """Publish the stream in the background; join the thread to wait for its end."""
        def publish() -> None:
            pacer = Pacer(rate)
            for item in simulator.notifications(operations):
                pacer.wait()
                self.publisher.publish_notification(item)

        thread = threading.Thread(target=publish, name="simulated-nova", daemon=True)
        thread.start()
        return thread

    def connection(self) -> kombu.Connection:
        """A plain AMQP connection to the tests' broker, in the transport URL's vhost."""
        return kombu.Connection(self.transport_url.replace("rabbit://", "amqp://"))

    def virtual_host(self) -> str:
        return str(self.connection().virtual_host)

    def ready_messages(self) -> int:
        """Messages waiting in the pool's queue, neither delivered nor acknowledged."""
        with self.connection() as conn:
            _, count, _ = conn.default_channel.queue_declare(queue=self.pool, passive=True)
            return int(count)

    def unacknowledged_messages(self) -> int:
        """Messages delivered to a consumer of the pool and not acknowledged yet, as the
        broker counts them now (rabbitmqctl asks the queue itself; the management API's
        figures are refreshed only every few seconds)."""
        result = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", self.virtual_host(),
             "name", "messages_unacknowledged", "--no-table-headers"],
            capture_output=True, text=True, timeout=60, check=True,
        )
        for line in result.stdout.splitlines():
            name, _, count = line.partition("\t")
            if name == self.pool:
                return int(count)
        return 0

    def witnessed(self) -> list[Envelope]:
        """Every message published so far, in the order the broker took them."""
        envelopes: list[Envelope] = []
        with self.connection() as conn:
            queue = kombu.Queue(self.witness)(conn.default_channel)
            while (message := queue.get(no_ack=True)) is not None:
                body = message.body
                envelopes.append(from_record(json.loads(body)))
        return envelopes

    def close(self) -> None:
        for process in self.processes:
            if process.process is not None and process.process.poll() is None:
                process.kill()
        self.publisher.close()
        with self.connection() as conn:
            channel = conn.default_channel
            for queue in (self.pool, self.witness, "versioned_notifications.info"):
                try:
                    channel.queue_delete(queue=queue)
                except Exception:  # already gone, with its channel: open a new one
                    channel = conn.channel()
            with contextlib.suppress(Exception):
                channel.exchange_delete(exchange=self.exchange)


@pytest.fixture
def bus(graph, neo4j_target, transport_url, tmp_path) -> Iterator[Bus]:
    bus = Bus(neo4j_target, transport_url, tmp_path)
    yield bus
    bus.close()


@pytest.fixture
def durable_bus(graph, neo4j_target, transport_url, tmp_path) -> Iterator[Bus]:
    bus = Bus(neo4j_target, transport_url, tmp_path, amqp_durable_queues=True)
    yield bus
    bus.close()


def _converged(graph, truth: dict[str, Any]) -> list[str]:
    return truth_differences(truth, read_truth_view(graph))


def assert_graph_reaches(graph, truth: dict[str, Any], processes: list[SyncProcess]) -> None:
    deadline = time.monotonic() + CONVERGE_SECONDS
    differences = _converged(graph, truth)
    while differences and time.monotonic() < deadline:
        time.sleep(0.5)
        differences = _converged(graph, truth)
    logs = "\n".join(p.log()[-3000:] for p in processes)
    assert differences == [], f"graph differs from the simulator's truth:\n{logs}"


def assert_exactly_once_effect(bus: Bus, graph: Any, processes: list[SyncProcess]) -> None:
    """The strict oracle of a fault scenario, once the synchronizers are stopped: nothing
    left in the queue, nothing set aside, at most one HOSTS edge per instance, each instance
    stamped with the last event published for it, and the very graph that applying every
    published message once, in order, gives (every stored property, tombstones included)."""
    assert all(p.process is None or p.process.poll() is not None for p in processes)
    assert (bus.ready_messages(), bus.unacknowledged_messages()) == (0, 0)
    assert _dead_letters(graph) == 0
    records, _, _ = graph.execute_query(
        "MATCH (i:Instance) WHERE COUNT { ()-[:HOSTS]->(i) } > 1 RETURN i.uuid AS uuid"
    )
    assert [r["uuid"] for r in records] == [], "instances with two HOSTS edges"
    faulted = read_graph(graph)
    published = bus.witnessed()
    decoded, outcome = decode_batch(published)
    assert outcome.rejected == []
    newest: dict[str, Any] = {}
    for _, event in decoded:
        if isinstance(event, InstanceEvent) and event.action is Action.UPSERT:
            newest[event.uuid] = max(newest.get(event.uuid, event.time), event.time)
    for uuid_, props in faulted["Instance"].items():
        assert from_us(props["event_time_us"]) == newest[uuid_], uuid_

    graph.execute_query("MATCH (n) DETACH DELETE n")
    writer = GraphWriter(graph)
    for start in range(0, len(published), 500):
        process_batch(writer, published[start : start + 500])
    assert faulted == read_graph(graph), "the faults changed what the graph holds"


def _wait_drained(bus: Bus) -> None:
    """Wait until the pool's queue holds nothing, delivered or not: what the broker handed
    back after a fault (already applied, or not) is consumed before the syncs stop."""
    wait_for(
        lambda: (bus.ready_messages(), bus.unacknowledged_messages()) == (0, 0),
        CONVERGE_SECONDS,
        "the pool's queue to drain",
    )


def _wait_unacknowledged(bus: Bus) -> int:
    """Wait until the synchronizers hold messages they have not acknowledged: a fault now
    strikes with messages in flight."""
    return int(wait_for(bus.unacknowledged_messages, 60, "unacknowledged messages"))


def _local_stack_only(neo4j_target: dict[str, Any]) -> None:
    if neo4j_target["source"] != "stack":
        pytest.skip("stops and starts servers: only with the local stack, which it owns")


def _published(simulator: NovaSimulator, bus: Bus, operations: int, rate: float) -> None:
    thread = bus.publish_simulation(simulator, operations, rate)
    thread.join(CONVERGE_SECONDS)
    assert not thread.is_alive(), "publishing did not finish"


# --------------------------------------------------------------------------- the stream


def test_a_simulated_stream_ends_in_the_simulators_truth_and_leaves_the_queue_empty(
    bus, graph
):
    sync = bus.sync()
    simulator = NovaSimulator(hosts=6, instances=40, seed=1)
    _published(simulator, bus, operations=150, rate=0)
    assert_graph_reaches(graph, simulator.truth(), [sync])
    assert sync.stop() == 0
    assert bus.ready_messages() == 0


def test_two_sync_processes_in_one_pool_end_in_the_same_truth(bus, graph):
    first, second = bus.sync(), bus.sync()
    simulator = NovaSimulator(hosts=6, instances=40, seed=2)
    _published(simulator, bus, operations=200, rate=0)
    assert_graph_reaches(graph, simulator.truth(), [first, second])
    assert "batch committed" in first.log() and "batch committed" in second.log()
    _wait_drained(bus)
    assert first.stop() == 0 and second.stop() == 0
    assert_exactly_once_effect(bus, graph, [first, second])


def test_a_sync_process_killed_twice_mid_stream_loses_nothing_once_restarted(bus, graph):
    # The pool's queue exists from the first start on: messages wait there while no sync runs.
    sync = bus.sync(sync__batch_size="20")
    processes = [sync]
    simulator = NovaSimulator(hosts=5, instances=40, seed=3)
    # Long enough that both kills strike while Nova still publishes, however busy the machine.
    publishing = bus.publish_simulation(simulator, operations=900, rate=150)
    for _ in range(2):
        wait_for(lambda s=sync: s.log().count("batch committed") >= 3, 60, "a few batches")
        _wait_unacknowledged(bus)
        sync.kill()  # SIGKILL: whatever it had received and not acknowledged comes back
        assert publishing.is_alive(), "killed mid-stream"
        sync = bus.sync(sync__batch_size="20")
        processes.append(sync)
    publishing.join(CONVERGE_SECONDS)
    assert_graph_reaches(graph, simulator.truth(), processes)
    _wait_drained(bus)
    assert sync.stop() == 0
    assert_exactly_once_effect(bus, graph, processes)


def test_neo4j_stopped_for_20_seconds_mid_stream_loses_nothing(bus, graph, neo4j_target):
    _local_stack_only(neo4j_target)
    # The outage outlasts the driver's own retries (5 s by default): the service's backoff
    # waits, and the log shows it.
    sync = bus.sync()
    simulator = NovaSimulator(hosts=5, instances=40, seed=4)
    publishing = bus.publish_simulation(simulator, operations=200, rate=40)
    wait_for(lambda: sync.log().count("batch committed") >= 3, 60, "a few batches")
    stack.down(["neo4j"])
    try:
        # The batch under way when Neo4j went stays unacknowledged while the service waits.
        _wait_unacknowledged(bus)
        time.sleep(20)
        assert sync.process is not None and sync.process.poll() is None, sync.log()[-2000:]
    finally:
        stack.up(["neo4j"])
    publishing.join(CONVERGE_SECONDS)
    assert_graph_reaches(graph, simulator.truth(), [sync])
    assert "Neo4j unavailable" in sync.log()
    _wait_drained(bus)
    assert sync.stop() == 0
    assert_exactly_once_effect(bus, graph, [sync])


def test_rabbitmq_restarted_mid_stream_loses_nothing_with_durable_queues(
    durable_bus, graph, neo4j_target
):
    _local_stack_only(neo4j_target)
    bus = durable_bus
    sync = bus.sync()
    simulator = NovaSimulator(hosts=5, instances=40, seed=5)
    publishing = bus.publish_simulation(simulator, operations=150, rate=60)
    wait_for(lambda: sync.log().count("batch committed") >= 3, 60, "a few batches")
    _wait_unacknowledged(bus)
    _restart_rabbitmq()
    publishing.join(CONVERGE_SECONDS)
    assert_graph_reaches(graph, simulator.truth(), [sync])
    # After the broker's restart, oslo.messaging's listener can keep a few redelivered
    # messages unacknowledged without handing them over; they go back to the queue when it
    # stops, and the next sync takes them.
    assert sync.stop() == 0
    restarted = bus.sync()
    _wait_drained(bus)
    assert restarted.stop() == 0
    assert_exactly_once_effect(bus, graph, [sync, restarted])


def _restart_rabbitmq() -> None:
    ctl = "rabbitmqctl"
    subprocess.run([ctl, "-q", "stop_app"], check=True, timeout=120, capture_output=True)
    time.sleep(3)
    subprocess.run([ctl, "-q", "start_app"], check=True, timeout=120, capture_output=True)
    subprocess.run(
        ["rabbitmq-diagnostics", "-q", "check_running"],
        check=True,
        timeout=120,
        capture_output=True,
    )


# --------------------------------------------------------------------------- processes


def _dead_letters(graph) -> int:
    records, _, _ = graph.execute_query("MATCH (d:DeadLetter) RETURN count(d) AS n")
    return int(records[0]["n"])


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_two_processes_in_one_pool_survive_a_sigkilled_child_and_stop_on_sigterm(bus, graph):
    sync = bus.sync(sync__processes="2", sync__batch_size="20")
    first = sync.children()
    assert sorted(first) == [0, 1], sync.log()
    simulator = NovaSimulator(hosts=5, instances=40, seed=9)
    # Long enough that the kill strikes while Nova still publishes, however busy the machine.
    publishing = bus.publish_simulation(simulator, operations=600, rate=150)
    victim = first[0]  # the child with the periodic duties: they restart with it
    wait_for(lambda: sync.committed(victim) >= 2, 60, "a few batches in child 0")
    _wait_unacknowledged(bus)
    os.kill(victim, signal.SIGKILL)
    assert publishing.is_alive(), "killed mid-stream"
    wait_for(lambda: sync.children()[0] != victim, 30, "the parent to restart child 0")
    assert f"(pid {victim}) was killed by SIGKILL" in sync.log()
    assert sync.children()[1] == first[1], "the other child went on"
    wait_for(lambda: sync.log().count("consuming") >= 3, 60, "the new child 0 to consume")
    publishing.join(CONVERGE_SECONDS)
    assert not publishing.is_alive(), "publishing did not finish"
    assert_graph_reaches(graph, simulator.truth(), [sync])
    assert sync.committed(sync.children()[1]) > 0, "both children took part"
    assert _dead_letters(graph) == 0
    _wait_drained(bus)

    children = sync.children().values()
    assert sync.stop(signal.SIGTERM) == 0
    assert all(_gone(pid) for pid in children)
    assert sync.log().count("sync.service [-] stopped") == 2
    assert bus.ready_messages() == 0  # every message acknowledged: nothing came back
    assert_exactly_once_effect(bus, graph, [sync])


def test_a_child_that_cannot_apply_batches_stops_the_service_instead_of_restarting(
    bus, graph, neo4j_target, tmp_path
):
    sync = SyncProcess(
        {**neo4j_target, "password": "not-the-password"},
        bus.transport_url,
        bus.exchange,
        bus.pool,
        tmp_path / "sync-refused.log",
        sync__processes="2",
    )
    bus.processes.append(sync)
    sync.launch()
    assert sync.process is not None
    assert sync.process.wait(60) == 1, sync.log()[-3000:]
    assert "a restart would fail the same way" in sync.log()
    assert "restarting it" not in sync.log()


# --------------------------------------------------------------------------- poison


def _raw_publish(bus: Bus, body: str, routing_key: str = "versioned_notifications.info") -> None:
    """A message as no Notifier would send it, straight onto Nova's exchange."""
    with bus.connection() as conn:
        exchange = kombu.Exchange(bus.exchange, "topic", durable=False)
        producer = conn.Producer()
        producer.publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            content_type="application/json",
            content_encoding="utf-8",
            serializer=None,
        )


def _wire(message: dict[str, Any]) -> str:
    return json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(message)})


def test_poison_messages_are_dead_lettered_with_reasons_and_good_ones_applied(
    bus, graph, neo4j_target
):
    _local_stack_only(neo4j_target)
    # The dead-letter policy for unparseable bodies, in the virtual host the tests use
    # (`tools/stack up` sets it in "/").
    stack.set_rejected_policy(vhost=bus.virtual_host())
    sync = bus.sync()
    simulator = NovaSimulator(hosts=4, instances=20, seed=6)
    publishing = bus.publish_simulation(simulator, operations=60, rate=200)
    no_data = notification("instance.create.end", 0)
    no_data.payload.pop("nova_object.data")
    future = notification("instance.create.end", 0)
    future.payload["nova_object.version"] = "3.0"
    wrong_type = notification("instance.create.end", 0)
    wrong_type.payload["nova_object.data"]["uuid"] = 42
    for envelope in (no_data, future, wrong_type):
        bus.publisher.publish(envelope)
    _raw_publish(bus, "{this is not json")
    _raw_publish(
        bus,
        _wire({"event_type": "instance.update", "publisher_id": "nova-compute:x",
               "priority": "INFO", "payload": {}, "message_id": str(uuid.uuid4())}),
    )
    publishing.join(CONVERGE_SECONDS)
    assert_graph_reaches(graph, simulator.truth(), [sync])

    def letters() -> list[dict[str, Any]]:
        records, _, _ = graph.execute_query(
            "MATCH (d:DeadLetter) RETURN d.reason AS reason, d.event_type AS event_type"
        )
        return [dict(r) for r in records]

    wait_for(lambda: len(letters()) >= 5, 60, "five dead letters")
    reasons = sorted(letter["reason"] for letter in letters())
    assert len(reasons) == 5, reasons
    assert any("nova_object.data" in r for r in reasons), reasons
    assert any("3.0" in r for r in reasons), reasons
    assert any("uuid" in r for r in reasons), reasons
    assert any("unparseable body" in r for r in reasons), reasons
    assert any("timestamp" in r for r in reasons), reasons
    assert sync.stop() == 0
    assert bus.ready_messages() == 0


# --------------------------------------------------------------------------- stopping


def test_sigterm_while_neo4j_is_away_requeues_the_uncommitted_batch(
    bus, graph, neo4j_target
):
    _local_stack_only(neo4j_target)
    sync = bus.sync()
    stack.down(["neo4j"])
    try:
        for seconds in range(5):
            bus.publisher.publish(notification("instance.create.end", seconds))
        wait_for(lambda: "Neo4j unavailable" in sync.log(), 60, "the writer to wait")
        assert sync.stop(signal.SIGTERM) == 0
    finally:
        stack.up(["neo4j"])
    assert "requeued" in sync.log()
    wait_for(lambda: bus.ready_messages() == 5, 30, "the five messages back in the queue")
    restarted = bus.sync()
    wait_for(lambda: restarted.log().count("batch committed") >= 1, 60, "the batch applied")
    _wait_drained(bus)
    assert restarted.stop() == 0
    assert_exactly_once_effect(bus, graph, [sync, restarted])


def test_sigint_stops_an_idle_synchronizer_cleanly(bus, graph):
    sync = bus.sync()
    assert sync.stop(signal.SIGINT) == 0
    assert "stopped" in sync.log()


# --------------------------------------------------------------------------- operators


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("processes", [1, 2])
def test_health_and_metrics_endpoints_report_what_the_service_does(bus, graph, processes):
    # With two processes the parent answers for both: one health, one sum of metrics.
    port = _free_port()
    sync = bus.sync(sync__metrics_port=str(port), sync__processes=str(processes))
    simulator = NovaSimulator(hosts=3, instances=10, seed=7)
    stream = list(simulator.notifications(10))
    for item in stream:
        bus.publisher.publish_notification(item)
    created = sum(item.event_type == "instance.create.end" for item in stream)
    assert_graph_reaches(graph, simulator.truth(), [sync])

    status, body = http_get(f"http://127.0.0.1:{port}/healthz")
    assert status == 200
    children = {"children": "2/2 alive"} if processes > 1 else {}
    assert json.loads(body) == {
        "healthy": True, "status": "ok", "neo4j": "ok", "rabbitmq": "ok", "duties": "ok",
        **children,
    }

    applied = 'cdm_graph_messages_total{event_type="instance.create.end",outcome="applied"}'

    def counting_every_batch() -> str | None:
        _, text = http_get(f"http://127.0.0.1:{port}/metrics")
        return text if f"{applied} {created:.1f}" in text else None

    # A batch is counted just after its commit: the graph may show it a moment before.
    metrics = wait_for(counting_every_batch, 30, "the metrics to count every batch")
    assert 'outcome="skipped"' in metrics
    assert "cdm_graph_batch_seconds_count" in metrics
    assert "cdm_graph_lag_seconds" in metrics
    # The tests' batch_timeout (0.2 s) is their batch_timeout_max too: it never widens.
    assert re.search(r"^cdm_graph_batch_window_seconds 0\.2$", metrics, re.M), metrics
    if processes > 1:
        assert "cdm_graph_sync_processes 2.0" in metrics
        assert "cdm_graph_sync_process_restarts_total 0.0" in metrics
    assert sync.stop() == 0


def _metric(port: int, sample: str) -> float:
    """The value of one sample of /metrics (0 while it is not there)."""
    _, metrics = http_get(f"http://127.0.0.1:{port}/metrics")
    for line in metrics.splitlines():
        name, _, value = line.rpartition(" ")
        if name == sample:
            return float(value)
    return 0.0


def test_an_event_ahead_of_the_clock_is_dead_lettered_counted_and_the_rest_applied(bus, graph):
    port = _free_port()
    sync = bus.sync(sync__metrics_port=str(port), sync__log_interval="1")
    skewed = notification("instance.create.end", 0, display_name="from-the-future")
    _raw_publish(bus, _wire({
        "event_type": skewed.event_type, "publisher_id": "nova-compute:skewed",
        "priority": "INFO", "payload": skewed.payload, "message_id": str(uuid.uuid4()),
        "timestamp": "2099-01-01 00:00:00.000000",
    }))
    bus.publisher.publish(notification("instance.create.end", 0, display_name="real"))
    real = skewed.payload["nova_object.data"]["uuid"]
    wait_for(lambda: read_graph(graph)["Instance"].get(real), 60, "the real event")
    assert read_graph(graph)["Instance"][real]["name"] == "real"

    def letters() -> list[str]:
        records, _, _ = graph.execute_query("MATCH (d:DeadLetter) RETURN d.reason AS reason")
        return [record["reason"] for record in records]

    [reason] = wait_for(letters, 60, "the dead letter")
    assert reason.startswith("timestamp 2099-01-01 00:00:00 ahead of this host's clock by ")
    assert "nova-compute:skewed" in reason
    future = 'cdm_graph_future_events_total{publisher_id="nova-compute:skewed"}'
    assert _metric(port, future) == 1.0
    wait_for(lambda: re.search(r"last \d+ s: \d+ messages .* 1 dead-lettered", sync.log()), 60,
             "the INFO summary")
    assert "dead-lettered 1 of" in sync.log()
    assert sync.stop() == 0


@pytest.mark.parametrize("processes", [1, 2])
def test_a_duty_failing_again_and_again_is_named_by_the_health_check_and_runs_on(
    bus, graph, tmp_path, processes
):
    port = _free_port()
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds: {}\n")
    # A reconcile every second, of a cloud clouds.yaml does not have: each one fails. With
    # two processes it runs in one child, and the parent's health check names it.
    sync = bus.sync(
        sync__metrics_port=str(port),
        sync__processes=str(processes),
        reconcile__interval="1",
        reconcile__cloud="no-such-cloud",
        client_config_file=str(clouds),
    )
    failures = 'cdm_graph_duty_failures_total{duty="reconcile"}'

    def degraded() -> dict[str, Any] | None:
        status, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200, body  # the synchronizer works: no load balancer should drop it
        report: dict[str, Any] = json.loads(body)
        return report if report["status"] == "degraded" else None

    report = wait_for(degraded, 60, "the health check to name the failing reconcile")
    assert report["healthy"] is False
    assert report["duties"].startswith("reconcile failed ")
    if processes == 1:  # the process running the duties knows why
        assert "last: reconcile incomplete" in report["duties"]
    seen = _metric(port, failures)
    assert seen >= 3
    wait_for(lambda: _metric(port, failures) > seen, 60, "the next reconcile")
    # Meanwhile notifications are applied.
    bus.publisher.publish(notification("instance.create.end", 0, display_name="applied"))
    wait_for(lambda: read_truth_view(graph)["instances"], 60, "the notification applied")
    assert sync.stop() == 0
    assert "duty reconcile failed 3 times in a row" in sync.log()


def test_sync_keeps_the_browser_display_labels_current(bus, graph):
    sync = bus.sync(sync__browser_labels_interval="1")
    simulator = NovaSimulator(hosts=3, instances=6, seed=8)
    _published(simulator, bus, operations=0, rate=0)
    assert_graph_reaches(graph, simulator.truth(), [sync])

    def labelled() -> bool:
        records, _, _ = graph.execute_query(
            "MATCH (c:ComputeNode) WHERE c:Enabled AND (c:LoadUnknown OR c:LoadLow) "
            "RETURN count(c) AS n"
        )
        return records[0]["n"] == 3

    wait_for(labelled, 30, "the three compute nodes labelled")
    assert sync.stop() == 0


def test_health_check_says_503_when_neo4j_is_unreachable(bus, graph, neo4j_target):
    _local_stack_only(neo4j_target)
    port = _free_port()
    sync = bus.sync(sync__metrics_port=str(port))
    stack.down(["neo4j"])
    try:
        status, body = http_get(f"http://127.0.0.1:{port}/healthz")
    finally:
        stack.up(["neo4j"])
    assert status == 503
    report = json.loads(body)
    assert report["healthy"] is False and report["rabbitmq"] == "ok"
    assert report["status"] == "unavailable"
    assert report["neo4j"].startswith("unreachable")
    assert sync.stop() == 0


def test_deadletter_list_and_replay_through_the_command_line(bus, graph, neo4j_target):
    from cdm_graph.apply.writer import GraphWriter
    from cdm_graph.deadletter import DeadLetterStore
    from cdm_graph.transport.envelope import Rejection

    fixable = notification("instance.create.end", 0)
    hopeless = notification("instance.create.end", 1)
    hopeless.payload["nova_object.version"] = "9.0"
    DeadLetterStore(GraphWriter(graph)).store(
        [
            Rejection("the handler had a bug then", fixable, fixable.event_type),
            Rejection("unknown major version 9", hopeless, hopeless.event_type),
        ]
    )
    # The password travels in the environment, never in argv.
    env = {
        **os.environ,
        "OS_NEO4J__URI": neo4j_target["uri"],
        "OS_NEO4J__USERNAME": neo4j_target["username"],
        "OS_NEO4J__PASSWORD": neo4j_target["password"],
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cdm_graph.cli", "deadletter", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    listed = cli("list")
    assert listed.returncode == 0, listed.stderr
    assert "the handler had a bug then" in listed.stdout
    assert "2 dead letters" in listed.stdout

    replayed = cli("replay")
    assert replayed.returncode == 1
    assert "1 applied, 1 still refused" in replayed.stdout
    uuid_created = fixable.payload["nova_object.data"]["uuid"]
    assert uuid_created in read_truth_view(graph)["instances"]
    assert "1 dead letters" in cli("list").stdout


# --------------------------------------------------------------------------- locks


def test_two_workers_on_a_nova_shaped_stream_never_run_a_transaction_twice(bus, graph):
    # Every batch locks in one global order: no deadlock for the driver to retry, whatever
    # two concurrent batches of Nova's traffic touch (the metric counts every transaction
    # run again, the driver's deadlock retries included).
    from bench.nova_stream import NovaShapedCloud

    port = _free_port()
    sync = bus.sync(sync__metrics_port=str(port), sync__batch_size="50", sync__workers="2")
    cloud = NovaShapedCloud(hosts=10, instances=200, seed=8)
    for item in [*cloud.build(), *cloud.operations(2000)]:
        bus.publisher.publish_notification(item)
    assert_graph_reaches(graph, cloud.truth(), [sync])
    _, metrics = http_get(f"http://127.0.0.1:{port}/metrics")
    assert "cdm_graph_neo4j_retries_total 0.0" in metrics, sync.log()[-3000:]
    assert "DeadlockDetected" not in sync.log()
    assert sync.stop() == 0
