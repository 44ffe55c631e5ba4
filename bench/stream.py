"""The benchmark's notification streams, from ``cdm_graph.simulate.NovaSimulator``.

A size's cloud is built once (its build stream goes to the graph, not timed as throughput),
then the operations on it are drawn once and reused by every measurement of that size, each
time under a clock of its own, so that every use is newer than what the graph holds and is
therefore really applied rather than skipped as stale.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from cdm_graph.simulate import Notification, NovaSimulator
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
    """The cloud as the build stream leaves it: what Watcher's model starts from."""

    hosts: list[HostState]
    instances: list[InstanceState]


def _disk_gb(instance: object) -> int:
    flavor = instance.flavor  # type: ignore[attr-defined]
    root = flavor.root_gb if instance.image_uuid else 0  # type: ignore[attr-defined]
    return root + flavor.ephemeral_gb + -(-flavor.swap // 1024)


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
        """At least ``count`` messages of whole operations, cut to ``count``."""
        drawn: list[Notification] = []
        while len(drawn) < count:
            drawn.extend(self.simulator.operation())
        return drawn[:count]

    def _snapshot(self) -> CloudState:
        simulator = self.simulator
        return CloudState(
            hosts=[
                HostState(h.hostname, h.service_uuid, h.disabled, h.disabled_reason)
                for h in simulator.hosts.values()
            ],
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
                for i in simulator.instances.values()
            ],
        )


def envelopes(
    notifications: list[Notification], start: datetime, step: timedelta = STEP
) -> list[Envelope]:
    """The notifications as the listener hands them over, stamped from ``start``."""
    return [
        Envelope(
            event_type=n.event_type,
            payload=n.payload,
            time=start + step * position,
            publisher_id=n.publisher_id,
            priority=n.priority,
            message_id=None,
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
