"""The benchmark's notification streams: how they are stamped, serialized and kept.

A size's cloud is built once, then the operations on it are drawn once and reused by every
measurement of that size, each time under a clock of its own (``NovaClock``), so that every
use is newer than what the graph holds and is therefore really applied rather than skipped
as stale. The Nova-shaped cloud is ``bench.nova_stream``; ``Cloud`` here is
``cdm_graph.simulate.NovaSimulator``'s, the synthetic stream the benchmark also keeps.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cdm_graph.simulate import Notification, NovaSimulator, SimulatedHost, SimulatedInstance
from cdm_graph.transport.envelope import Envelope

# Nova's clock ticks faster than any of these streams are applied, so that two messages
# never share a timestamp and the guard on event time orders them as published.
STEP = timedelta(microseconds=10)


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    hosts: int
    instances: int
    # Messages of operations measured end to end, apply-only and by Watcher.
    operations: int
    # Messages applied one transaction each, and the most Watcher gets when it is slow.
    naive_sample: int
    watcher_seconds: float
    # Whether the simulator's stream (NovaSimulator) is measured at this size too.
    simulator: bool = False


@dataclass(frozen=True, slots=True)
class HostState:
    hostname: str
    service_uuid: str
    disabled: bool
    disabled_reason: str | None


@dataclass(frozen=True, slots=True)
class InstanceState:
    uuid: str
    host: str | None
    name: str
    state: str
    project_id: str
    vcpus: int
    memory_mb: int
    disk_gb: int


@dataclass(frozen=True, slots=True)
class CloudState:
    """The cloud at one moment (after its build stream, or later operations): what Watcher's
    model starts from."""

    hosts: list[HostState]
    instances: list[InstanceState]


def _disk_gb(instance: SimulatedInstance) -> int:
    flavor = instance.flavor
    root = flavor.root_gb if instance.image_uuid else 0
    return root + flavor.ephemeral_gb + -(-flavor.swap // 1024)


def cloud_state(
    hosts: Iterable[SimulatedHost], instances: Iterable[SimulatedInstance]
) -> CloudState:
    """A simulated cloud as Watcher's model starts from it."""
    return CloudState(
        hosts=[HostState(h.hostname, h.service_uuid, h.disabled, h.disabled_reason) for h in hosts],
        instances=[
            InstanceState(
                uuid=i.uuid,
                host=i.host,
                name=i.name,
                state=i.state,
                project_id=i.project_id,
                vcpus=i.flavor.vcpus,
                memory_mb=i.flavor.memory_mb,
                disk_gb=_disk_gb(i),
            )
            for i in instances
        ],
    )


class Cloud:
    """One size's simulated cloud: its build stream, then its operations."""

    def __init__(self, size: Size, seed: int = 7) -> None:
        self.size = size
        self.simulator = NovaSimulator(size.hosts, size.instances, seed=seed)
        self.build_messages = 0
        self.state: CloudState | None = None

    def build(self, chunk: int) -> Iterator[list[Notification]]:
        """The build stream in chunks of ``chunk``; ``state`` is set once it is exhausted."""
        pending: list[Notification] = []
        for unit in self.simulator.build():
            pending.extend(unit)
            if len(pending) >= chunk:
                self.build_messages += len(pending)
                yield pending
                pending = []
        if pending:
            self.build_messages += len(pending)
            yield pending
        self.state = self._snapshot()

    def operations(self, count: int) -> list[Notification]:
        """Whole operations, at least ``count`` messages: an operation cut short would leave
        the graph short of the simulator's truth."""
        drawn: list[Notification] = []
        while len(drawn) < count:
            drawn.extend(self.simulator.operation())
        return drawn

    def _snapshot(self) -> CloudState:
        return cloud_state(self.simulator.hosts.values(), self.simulator.instances.values())


def envelopes(
    notifications: list[Notification], start: datetime, step: timedelta = STEP
) -> list[Envelope]:
    """The notifications as the listener hands them over, stamped from ``start``, each with
    its own message id: Nova's Notifier gives every message one, so the digest a message
    without one gets instead (``Envelope.identity``) is no cost of the path measured."""
    return [
        Envelope(
            event_type=n.event_type,
            payload=n.payload,
            time=start + step * position,
            publisher_id=n.publisher_id,
            priority=n.priority,
            message_id=str(uuid.uuid4()),
        )
        for position, n in enumerate(notifications)
    ]


def oslo_timestamp(moment: datetime) -> str:
    """``metadata['timestamp']`` as oslo.messaging writes it (``str(utcnow())``)."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def wire_body(notification: Notification, moment: datetime, payload_json: str) -> str:
    """The messagingv2 body Nova's Notifier publishes: the message serialized inside an
    envelope (``oslo.version`` 2.0). ``payload_json`` is the payload already serialized,
    so that re-stamping a stream costs no second encoding of the payloads."""
    head = json.dumps(
        {
            "message_id": str(uuid.uuid4()),
            "publisher_id": notification.publisher_id,
            "event_type": notification.event_type,
            "priority": notification.priority,
            "timestamp": oslo_timestamp(moment),
        }
    )
    inner = head[:-1] + ', "payload": ' + payload_json + "}"
    return json.dumps({"oslo.version": "2.0", "oslo.message": inner})


def wire_bodies(notifications: Iterable[Notification], start: datetime) -> Iterator[str]:
    """The notifications as Nova's Notifier publishes them, stamped from ``start``, made
    one at a time (a build stream of 200,000 instances need not sit in memory)."""
    for position, notification in enumerate(notifications):
        yield wire_body(notification, start + STEP * position, json.dumps(notification.payload))


@dataclass(slots=True)
class Drawn:
    """A stream drawn from a cloud and the truth the cloud ends with, its payloads
    serialized once: it is published again and again, each time stamped anew."""

    notifications: list[Notification]
    truth: dict[str, Any]
    payloads: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.payloads = [json.dumps(notification.payload) for notification in self.notifications]

    def __len__(self) -> int:
        return len(self.notifications)

    def bodies(self, start: datetime) -> Iterator[str]:
        for position, (notification, payload) in enumerate(
            zip(self.notifications, self.payloads, strict=True)
        ):
            yield wire_body(notification, start + STEP * position, payload)

    def envelopes(self, start: datetime) -> list[Envelope]:
        return envelopes(self.notifications, start)


class NovaClock:
    """Nova's clock across a run: each use of a stream starts after the last message of the
    use before, so that it is newer than everything the graph holds. It starts in the past
    (``start``), never ahead of the receiver's clock."""

    def __init__(self, start: datetime) -> None:
        self._next = start

    def start_of(self, messages: int) -> datetime:
        """Where a use of ``messages`` messages starts."""
        start = self._next
        self._next += STEP * messages + timedelta(seconds=1)
        return start
