"""The broker's ceilings: how fast one process can take the same bodies off the pool's queue
when it does nothing with them. Run by the benchmark as a child process, as a sync runs:

    python -m bench.consumers kombu --url URL --queue POOL --count N
    python -m bench.consumers oslo --url URL --exchange EXCHANGE --pool POOL --count N
    python -m bench.consumers oslo-sync-collector --url URL --exchange EXCHANGE --pool POOL ...

- ``kombu``: plain kombu, as lean as a consumer gets: prefetch, each body JSON-parsed (the
  messagingv2 envelope and the message inside it, as oslo.messaging parses them), one
  multiple-ack per batch.
- ``oslo``: oslo.messaging's batch notification listener exactly as ``cdm-graph sync`` sets
  it up (``cdm_graph.transport.listener.batch_listener``: its batch size and timeout,
  prefetch, threading executor, workers), with an endpoint that returns at once. A plain
  Python process otherwise: the ceiling as a user running oslo.messaging would meet it.
- ``oslo-sync-collector``: the same, with Python's cyclic collector set as ``cdm-graph sync``
  sets it before it consumes (``cdm_graph.memory``: what was made is frozen, the middle
  generation collected every ``MIDDLE_GENERATION_SPAN`` collections of the youngest). The
  collector passes over oslo.messaging's and kombu's garbage too, so these settings make the
  listener's own work cheaper: this is the ceiling the sync's settings leave it.

Each prints one JSON line: messages, seconds (first message received to last batch done),
batches, and the CPU seconds the process used in that time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import kombu
import oslo_messaging
from oslo_config import cfg
from oslo_messaging import opts as oslo_messaging_opts

from bench.broker import SYNC_DEFAULTS, Bus, kombu_url
from cdm_graph import config
from cdm_graph.memory import ready_to_consume
from cdm_graph.transport.listener import HANDLED, batch_listener

CONSUMERS = ("kombu", "oslo", "oslo-sync-collector")


@dataclass(frozen=True, slots=True)
class ConsumerCeiling:
    consumer: str
    messages: int
    seconds: float
    batches: int
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds > 0 else 0.0


def measure(bus: Bus, consumer: str, bodies: Iterable[str]) -> ConsumerCeiling:
    """Fill the pool's queue with ``bodies``, then drain it with ``consumer`` in a child
    process; the prefetch is the one ``cdm-graph sync`` sets with the product's defaults."""
    count = bus.fill(bodies)
    batch_size = int(SYNC_DEFAULTS["batch_size"])
    prefetch = 2 * batch_size * int(SYNC_DEFAULTS["workers"])
    argv = [
        sys.executable, "-m", "bench.consumers", consumer, "--url", bus.transport_url,
        "--count", str(count), "--queue", bus.pool, "--exchange", bus.exchange,
        "--pool", bus.pool, "--batch-size", str(batch_size), "--prefetch", str(prefetch),
    ]  # fmt: skip
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=max(600.0, count / 100), check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {consumer} consumer failed:\n{done.stderr[-3000:]}")
    if bus.waiting():
        bus.purge()
    result = json.loads(lines[-1])
    return ConsumerCeiling(
        consumer, result["messages"], result["seconds"], result["batches"], result["cpu_seconds"]
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Drain:
    """Counts what is consumed, from the first message to the last batch done."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.messages = 0
        self.batches = 0
        self.first: float | None = None
        self.last = 0.0
        self.cpu_at_first = 0.0
        self.cpu_at_last = 0.0
        self.done = threading.Event()

    def started(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
            self.cpu_at_first = _cpu()

    def batch_done(self, size: int) -> None:
        self.messages += size
        self.batches += 1
        self.last = time.perf_counter()
        self.cpu_at_last = _cpu()
        if self.messages >= self.expected:
            self.done.set()

    def result(self) -> dict[str, Any]:
        first = self.first if self.first is not None else self.last
        return {
            "messages": self.messages,
            "seconds": self.last - first,
            "batches": self.batches,
            "cpu_seconds": self.cpu_at_last - self.cpu_at_first,
            "complete": self.messages >= self.expected,
        }


def consume_kombu(
    url: str, queue: str, expected: int, batch_size: int, prefetch: int, timeout: float
) -> Drain:
    drain = Drain(expected)
    pending: list[Any] = []

    def on_message(message: Any) -> None:
        drain.started()
        outer = json.loads(message.body)
        json.loads(outer["oslo.message"])
        pending.append(message)
        if len(pending) >= batch_size or drain.messages + len(pending) >= expected:
            pending[-1].ack(multiple=True)
            drain.batch_done(len(pending))
            pending.clear()

    deadline = time.monotonic() + timeout
    with kombu.Connection(kombu_url(url)) as connection:
        channel = connection.channel()
        consumer = kombu.Consumer(
            channel,
            queues=[kombu.Queue(queue, no_declare=True)],
            on_message=on_message,
            no_ack=False,
            prefetch_count=prefetch,
        )
        with consumer:
            while not drain.done.is_set() and time.monotonic() < deadline:
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    continue
    return drain


def consume_oslo(
    url: str,
    exchange: str,
    pool: str,
    expected: int,
    timeout: float,
    collector_as_sync: bool = False,
) -> Drain:
    conf = cfg.ConfigOpts()
    config.register(conf)
    for group, opts in oslo_messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    conf([], project="cdm-graph", default_config_files=[])
    conf.set_override("exchange", exchange, group="notifications")
    conf.set_override("pool", pool, group="notifications")
    drain = Drain(expected)
    lock = threading.Lock()

    def handle(messages: Sequence[dict[str, Any]], priority: str) -> Any:
        with lock:
            drain.started()
            drain.batch_done(len(messages))
        return HANDLED

    transport = oslo_messaging.get_notification_transport(conf, url=url)
    listener = batch_listener(conf, transport, handle)
    if collector_as_sync:  # as cdm_graph.sync.service does, right before it starts
        ready_to_consume()
    listener.start()
    try:
        drain.done.wait(timeout)
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()
    return drain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.consumers", description=__doc__)
    parser.add_argument("consumer", choices=CONSUMERS)
    parser.add_argument("--url", required=True, help="oslo.messaging transport URL")
    parser.add_argument("--count", type=int, required=True, help="messages to wait for")
    parser.add_argument("--queue", help="kombu: the queue (the pool's)")
    parser.add_argument("--exchange", help="oslo: Nova's exchange")
    parser.add_argument("--pool", help="oslo: the listener pool")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--prefetch", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    if args.consumer == "kombu":
        drain = consume_kombu(
            args.url, args.queue, args.count, args.batch_size, args.prefetch, args.timeout
        )
    else:
        drain = consume_oslo(
            args.url, args.exchange, args.pool, args.count, args.timeout,
            collector_as_sync=args.consumer == "oslo-sync-collector",
        )  # fmt: skip
    print(json.dumps(drain.result()))
    return 0 if drain.done.is_set() else 1


if __name__ == "__main__":
    sys.exit(main())
