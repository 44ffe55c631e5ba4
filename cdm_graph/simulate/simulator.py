"""``cdm-graph simulate``: a synthetic Nova publishing a realistic notification stream.

It builds a cloud of H compute hosts and I instances, then runs operations on it as Nova's
compute manager reports them: every ``.start`` and ``.end``, with the host each one really
carries (a move's early events name the old host), ``instance.update`` after each state
change (``notify_on_state_change = vm_and_task_state``), and services of other binaries that
must not become compute nodes. Payloads have the names, versions and fields of current Nova
(InstanceActionPayload 1.9, InstanceCreatePayload 1.13, InstanceUpdatePayload 2.1,
ServiceStatusPayload 1.1). It publishes them as Nova does (messagingv2, exchange ``nova``,
publisher ``nova-compute:<host>``, oslo.messaging's metadata) or writes them as JSON lines
for ``cdm-graph replay``, and it knows the truth the stream ends with.
"""

from __future__ import annotations

import enum
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import oslo_messaging
from oslo_config import cfg
from oslo_messaging import opts as oslo_messaging_opts

NOVA_OBJECT = "nova_object"


class _Unchanged(enum.Enum):
    """A keyword argument left out: the value stays as it is (None is a value)."""

    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


@dataclass(frozen=True, slots=True)
class Flavor:
    name: str
    vcpus: int
    memory_mb: int
    root_gb: int
    ephemeral_gb: int = 0
    swap: int = 0

    @property
    def flavorid(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"flavor.{self.name}"))


FLAVORS: tuple[Flavor, ...] = (
    Flavor("m1.tiny", 1, 512, 1),
    Flavor("m1.small", 1, 2048, 20),
    Flavor("m1.medium", 2, 4096, 40),
    Flavor("m1.large", 4, 8192, 80, ephemeral_gb=10, swap=1024),
    Flavor("m1.xlarge", 8, 16384, 160),
)


class Operation(enum.Enum):
    POWER_OFF = "power_off"
    POWER_ON = "power_on"
    LIVE_MIGRATE = "live_migrate"
    RESIZE_CONFIRM = "resize_confirm"
    RESIZE_REVERT = "resize_revert"
    SHELVE_OFFLOAD = "shelve_offload"
    UNSHELVE = "unshelve"
    DELETE = "delete"
    CREATE = "create"
    DISABLE_SERVICE = "disable_service"
    ENABLE_SERVICE = "enable_service"


# How often each operation is tried, as in a busy but ordinary cloud.
OPERATION_WEIGHTS: dict[Operation, int] = {
    Operation.POWER_OFF: 12,
    Operation.POWER_ON: 12,
    Operation.LIVE_MIGRATE: 14,
    Operation.RESIZE_CONFIRM: 8,
    Operation.RESIZE_REVERT: 3,
    Operation.SHELVE_OFFLOAD: 5,
    Operation.UNSHELVE: 5,
    Operation.DELETE: 10,
    Operation.CREATE: 10,
    Operation.DISABLE_SERVICE: 1,
    Operation.ENABLE_SERVICE: 1,
}


@dataclass(slots=True)
class SimulatedInstance:
    uuid: str
    name: str
    project_id: str
    user_id: str
    flavor: Flavor
    image_uuid: str  # "" when it boots from volume, as Nova says it
    host: str | None
    state: str = "active"
    power_state: str = "running"
    task_state: str | None = None
    created_at: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class SimulatedHost:
    hostname: str
    service_uuid: str
    disabled: bool = False
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    """What Nova hands to oslo.messaging's Notifier."""

    publisher_id: str
    event_type: str
    payload: dict[str, Any]
    priority: str = "INFO"


def _nova_object(name: str, version: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{NOVA_OBJECT}.name": name,
        f"{NOVA_OBJECT}.namespace": "nova",
        f"{NOVA_OBJECT}.version": version,
        f"{NOVA_OBJECT}.data": data,
    }


def _nova_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class NovaSimulator:
    """A cloud that changes as operations run on it, and the notifications Nova sends.

    Deterministic for a seed. ``notifications(operations)`` yields the building of the cloud
    (services, then instances) followed by that many operations (None: without end); the
    state after the last notification yielded is ``truth()``.
    """

    def __init__(self, hosts: int, instances: int, seed: int = 0) -> None:
        if hosts < 1:
            raise ValueError("a cloud needs at least one compute host")
        if instances < 0:
            raise ValueError("instances cannot be negative")
        self.host_count = hosts
        self.instance_count = instances
        self._random = random.Random(seed)
        self._uuid_seed = seed
        self._uuids = 0
        self.hosts: dict[str, SimulatedHost] = {}
        self.instances: dict[str, SimulatedInstance] = {}
        # Keys in a list too, for picking one at random in O(1).
        self._keys: list[str] = []
        self._positions: dict[str, int] = {}
        self._created = 0
        self._projects = [self._uuid().replace("-", "") for _ in range(max(1, instances // 50))]
        self._clock = datetime(2026, 1, 1, 9, 0, 0)

    # --- identities and time -------------------------------------------------------------

    def _uuid(self) -> str:
        self._uuids += 1
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return _nova_time(self._clock)

    # --- payloads ------------------------------------------------------------------------

    def _flavor_payload(self, flavor: Flavor) -> dict[str, Any]:
        return _nova_object(
            "FlavorPayload",
            "1.4",
            {
                "flavorid": flavor.flavorid,
                "name": flavor.name,
                "root_gb": flavor.root_gb,
                "vcpus": flavor.vcpus,
                "ephemeral_gb": flavor.ephemeral_gb,
                "memory_mb": flavor.memory_mb,
                "disabled": False,
                "rxtx_factor": 1.0,
                "extra_specs": {"hw:cpu_policy": "shared"},
                "projects": None,
                "swap": flavor.swap,
                "is_public": True,
                "vcpu_weight": 0,
                "description": None,
            },
        )

    def _instance_data(self, instance: SimulatedInstance, host: str | None) -> dict[str, Any]:
        return {
            "architecture": "x86_64",
            "availability_zone": "nova" if host else None,
            "block_devices": [],
            "created_at": instance.created_at,
            "deleted_at": None,
            "display_name": instance.name,
            "display_description": instance.name,
            "host": host,
            "host_name": instance.name,
            "ip_addresses": [],
            "kernel_id": "",
            "key_name": "operator",
            "launched_at": instance.created_at,
            "image_uuid": instance.image_uuid,
            "metadata": dict(instance.metadata),
            "locked": False,
            "node": host,
            "os_type": None,
            "progress": 0,
            "ramdisk_id": "",
            "reservation_id": f"r-{instance.uuid[:8]}",
            "state": instance.state,
            "task_state": instance.task_state,
            "power_state": instance.power_state,
            "tenant_id": instance.project_id,
            "terminated_at": None,
            "auto_disk_config": "MANUAL",
            "flavor": self._flavor_payload(instance.flavor),
            "updated_at": self._now(),
            "user_id": instance.user_id,
            "uuid": instance.uuid,
            "request_id": f"req-{self._uuid()}",
            "action_initiator_user": instance.user_id,
            "action_initiator_project": instance.project_id,
            "locked_reason": None,
            "shares": [],
        }

    def _action(
        self, event_type: str, instance: SimulatedInstance, host: str | None, publisher: str
    ) -> Notification:
        data = self._instance_data(instance, host)
        if event_type == "instance.create.end":
            data.update(
                keypairs=[],
                tags=[],
                trusted_image_certificates=None,
                instance_name=f"instance-{self._created:08x}",
            )
            payload = _nova_object("InstanceCreatePayload", "1.13", {**data, "fault": None})
        else:
            payload = _nova_object("InstanceActionPayload", "1.9", {**data, "fault": None})
        return Notification(f"nova-compute:{publisher}", event_type, payload)

    def _update(
        self, instance: SimulatedInstance, old_state: str, old_task_state: str | None
    ) -> Notification:
        data = self._instance_data(instance, instance.host)
        data.update(
            audit_period=_nova_object(
                "AuditPeriodPayload",
                "1.0",
                {
                    "audit_period_beginning": _nova_time(self._clock.replace(day=1)),
                    "audit_period_ending": _nova_time(self._clock),
                },
            ),
            old_display_name=None,
            state_update=_nova_object(
                "InstanceStateUpdatePayload",
                "1.0",
                {
                    "old_state": old_state,
                    "state": instance.state,
                    "old_task_state": old_task_state,
                    "new_task_state": instance.task_state,
                },
            ),
            tags=[],
        )
        publisher = instance.host or "controller"
        return Notification(
            f"nova-compute:{publisher}",
            "instance.update",
            _nova_object("InstanceUpdatePayload", "2.1", data),
        )

    def _service(self, event_type: str, host: SimulatedHost, binary: str) -> Notification:
        data = {
            "host": host.hostname,
            "disabled": host.disabled,
            "binary": binary,
            "topic": binary.removeprefix("nova-"),
            "disabled_reason": host.disabled_reason,
            "forced_down": False,
            "version": 66,
            "availability_zone": None,
            "uuid": host.service_uuid,
            "last_seen_up": self._now(),
            "report_count": 1,
        }
        return Notification(
            f"{binary}:{host.hostname}",
            event_type,
            _nova_object("ServiceStatusPayload", "1.1", data),
        )

    # --- state changes, as Nova's compute manager reports them ---------------------------

    def _set(
        self,
        instance: SimulatedInstance,
        *,
        state: str | None = None,
        power_state: str | None = None,
        task_state: str | None = None,
        host: str | _Unchanged | None = UNCHANGED,
    ) -> Notification:
        """Change the instance and report it with ``instance.update``."""
        old_state, old_task_state = instance.state, instance.task_state
        if state is not None:
            instance.state = state
        if power_state is not None:
            instance.power_state = power_state
        instance.task_state = task_state
        if not isinstance(host, _Unchanged):
            instance.host = host
        return self._update(instance, old_state, old_task_state)

    def _enabled_hosts(self, excluding: str | None = None) -> list[str]:
        return [
            name for name, host in self.hosts.items() if not host.disabled and name != excluding
        ]

    def _create(self) -> Iterator[Notification]:
        candidates = self._enabled_hosts() or list(self.hosts)
        host = self._random.choice(candidates)
        self._created += 1
        instance = SimulatedInstance(
            uuid=self._uuid(),
            name=f"vm-{self._created:06d}",
            project_id=self._random.choice(self._projects),
            user_id="operator",
            flavor=self._random.choice(FLAVORS),
            image_uuid="" if self._random.random() < 0.1 else self._uuid(),
            host=None,
            state="building",
            power_state="pending",
            task_state="scheduling",
            created_at=self._now(),
            metadata={"tier": self._random.choice(("web", "db", "batch"))},
        )
        self._add(instance)
        yield self._update(instance, "building", None)
        yield self._set(instance, state="building", task_state="spawning", host=host)
        yield self._action("instance.create.start", instance, host, host)
        instance.state, instance.power_state, instance.task_state = "active", "running", None
        yield self._action("instance.create.end", instance, host, host)
        yield self._update(instance, "building", "spawning")

    def _power_off(self, instance: SimulatedInstance) -> Iterator[Notification]:
        host = instance.host
        yield self._set(instance, task_state="powering-off")
        yield self._action("instance.power_off.start", instance, host, host or "controller")
        instance.state, instance.power_state, instance.task_state = "stopped", "shutdown", None
        yield self._action("instance.power_off.end", instance, host, host or "controller")
        yield self._update(instance, "active", "powering-off")

    def _power_on(self, instance: SimulatedInstance) -> Iterator[Notification]:
        host = instance.host
        yield self._set(instance, task_state="powering-on")
        yield self._action("instance.power_on.start", instance, host, host or "controller")
        instance.state, instance.power_state, instance.task_state = "active", "running", None
        yield self._action("instance.power_on.end", instance, host, host or "controller")
        yield self._update(instance, "stopped", "powering-on")

    def _live_migrate(self, instance: SimulatedInstance, dest: str) -> Iterator[Notification]:
        source = instance.host
        assert source is not None
        yield self._set(instance, task_state="migrating")
        yield self._action("instance.live_migration_pre.start", instance, source, dest)
        yield self._action("instance.live_migration_pre.end", instance, source, dest)
        yield self._action("instance.live_migration_post.start", instance, source, source)
        yield self._action("instance.live_migration_post_dest.start", instance, source, dest)
        instance.host, instance.task_state = dest, None
        yield self._action("instance.live_migration_post_dest.end", instance, dest, dest)
        yield self._update(instance, instance.state, "migrating")
        # The source reports the end of its part last, still naming itself: a stale host.
        yield self._action("instance.live_migration_post.end", instance, source, source)

    def _resize(
        self, instance: SimulatedInstance, dest: str, confirm: bool
    ) -> Iterator[Notification]:
        source = instance.host
        assert source is not None
        old_flavor = instance.flavor
        new_flavor = self._random.choice([f for f in FLAVORS if f != old_flavor])
        old_state = instance.state
        yield self._set(instance, task_state="resize_prep")
        yield self._action("instance.resize_prep.start", instance, source, dest)
        yield self._action("instance.resize_prep.end", instance, source, dest)
        yield self._set(instance, task_state="resize_migrating")
        yield self._action("instance.resize.start", instance, source, source)
        instance.task_state = "resize_migrated"
        yield self._action("instance.resize.end", instance, source, source)
        yield self._action("instance.resize_finish.start", instance, source, dest)
        instance.host, instance.flavor = dest, new_flavor
        instance.state, instance.task_state = "resized", None
        yield self._action("instance.resize_finish.end", instance, dest, dest)
        yield self._update(instance, old_state, "resize_finish")
        if confirm:
            yield self._action("instance.resize_confirm.start", instance, dest, source)
            instance.state = old_state
            yield self._action("instance.resize_confirm.end", instance, dest, source)
            yield self._update(instance, "resized", None)
        else:
            yield self._set(instance, task_state="resize_reverting")
            yield self._action("instance.resize_revert.start", instance, dest, dest)
            instance.host, instance.flavor = source, old_flavor
            instance.state, instance.task_state = old_state, None
            yield self._action("instance.resize_revert.end", instance, source, source)
            yield self._update(instance, "resized", "resize_reverting")

    def _shelve_offload(self, instance: SimulatedInstance) -> Iterator[Notification]:
        host = instance.host
        assert host is not None
        old_state = instance.state
        yield self._set(instance, task_state="shelving")
        yield self._action("instance.shelve.start", instance, host, host)
        instance.state, instance.power_state, instance.task_state = "shelved", "shutdown", None
        yield self._action("instance.shelve.end", instance, host, host)
        yield self._update(instance, old_state, "shelving")
        yield self._set(instance, task_state="shelving_offloading")
        yield self._action("instance.shelve_offload.start", instance, host, host)
        instance.host, instance.state, instance.task_state = None, "shelved_offloaded", None
        yield self._action("instance.shelve_offload.end", instance, None, host)
        yield self._update(instance, "shelved", "shelving_offloading")

    def _unshelve(self, instance: SimulatedInstance, dest: str) -> Iterator[Notification]:
        yield self._set(instance, task_state="unshelving")
        yield self._action("instance.unshelve.start", instance, None, dest)
        instance.host, instance.state, instance.power_state = dest, "active", "running"
        instance.task_state = None
        yield self._action("instance.unshelve.end", instance, dest, dest)
        yield self._update(instance, "shelved_offloaded", "unshelving")

    def _delete(self, instance: SimulatedInstance) -> Iterator[Notification]:
        host = instance.host
        yield self._set(instance, task_state="deleting")
        yield self._action("instance.delete.start", instance, host, host or "controller")
        instance.state, instance.power_state, instance.task_state = "deleted", "nostate", None
        self._remove(instance)
        yield self._action("instance.delete.end", instance, host, host or "controller")

    def _set_service(self, host: SimulatedHost, disabled: bool) -> Iterator[Notification]:
        host.disabled = disabled
        host.disabled_reason = "maintenance" if disabled else None
        yield self._service("service.update", host, "nova-compute")

    # --- the stream ----------------------------------------------------------------------

    def build(self) -> Iterator[Iterator[Notification]]:
        """Services (compute hosts and a controller's other binaries), then the instances:
        one iterator of notifications per service or instance."""
        controller = SimulatedHost("controller", self._uuid())
        for binary in ("nova-conductor", "nova-scheduler"):
            yield iter([self._service("service.create", controller, binary)])
        for number in range(1, self.host_count + 1):
            host = SimulatedHost(f"compute-{number:05d}", self._uuid())
            self.hosts[host.hostname] = host
            yield iter([self._service("service.create", host, "nova-compute")])
        for _ in range(self.instance_count):
            yield self._create()

    def _pick(self, predicate: Callable[[SimulatedInstance], bool]) -> SimulatedInstance | None:
        # Sampling, not scanning: the cloud may hold hundreds of thousands of instances.
        if not self._keys:
            return None
        for _ in range(32):
            instance = self.instances[self._random.choice(self._keys)]
            if predicate(instance):
                return instance
        return None

    def _add(self, instance: SimulatedInstance) -> None:
        self.instances[instance.uuid] = instance
        self._positions[instance.uuid] = len(self._keys)
        self._keys.append(instance.uuid)

    def _remove(self, instance: SimulatedInstance) -> None:
        del self.instances[instance.uuid]
        position = self._positions.pop(instance.uuid)
        last = self._keys.pop()
        if last != instance.uuid:
            self._keys[position] = last
            self._positions[last] = position

    def operation(self) -> Iterator[Notification]:
        """One operation, chosen by weight among those possible now."""
        choices, weights = zip(*OPERATION_WEIGHTS.items(), strict=True)
        for _ in range(16):
            operation = self._random.choices(choices, weights)[0]
            notifications = self._operation(operation)
            if notifications is not None:
                return notifications
        return self._create()

    def _operation(self, operation: Operation) -> Iterator[Notification] | None:
        if operation is Operation.CREATE:
            return self._create()
        if operation is Operation.DISABLE_SERVICE:
            enabled = self._enabled_hosts()
            if len(enabled) <= max(1, self.host_count // 2):
                return None
            return self._set_service(self.hosts[self._random.choice(enabled)], True)
        if operation is Operation.ENABLE_SERVICE:
            disabled = [host for host in self.hosts.values() if host.disabled]
            return self._set_service(self._random.choice(disabled), False) if disabled else None
        if operation is Operation.POWER_OFF:
            instance = self._pick(lambda i: i.state == "active")
            return self._power_off(instance) if instance else None
        if operation is Operation.POWER_ON:
            instance = self._pick(lambda i: i.state == "stopped")
            return self._power_on(instance) if instance else None
        if operation is Operation.UNSHELVE:
            instance = self._pick(lambda i: i.state == "shelved_offloaded")
            targets = self._enabled_hosts()
            if instance is None or not targets:
                return None
            return self._unshelve(instance, self._random.choice(targets))
        if operation is Operation.DELETE:
            if len(self.instances) <= self.instance_count // 2:
                return None
            instance = self._pick(lambda i: True)
            return self._delete(instance) if instance else None
        instance = self._pick(lambda i: i.state in ("active", "stopped") and i.host is not None)
        if instance is None:
            return None
        if operation is Operation.SHELVE_OFFLOAD:
            return self._shelve_offload(instance)
        targets = self._enabled_hosts(excluding=instance.host)
        if not targets:
            return None
        dest = self._random.choice(targets)
        if operation is Operation.LIVE_MIGRATE:
            return self._live_migrate(instance, dest) if instance.state == "active" else None
        return self._resize(instance, dest, confirm=operation is Operation.RESIZE_CONFIRM)

    def units(self, operations: int | None = None) -> Iterator[Iterator[Notification]]:
        """The stream in units that leave the truth whole: a stream stopped between two
        units ends in ``truth()``. The cloud being built, then ``operations`` operations
        (None: without end)."""
        yield from self.build()
        done = 0
        while operations is None or done < operations:
            yield self.operation()
            done += 1

    def notifications(self, operations: int | None = None) -> Iterator[Notification]:
        for unit in self.units(operations):
            yield from unit

    def messages(
        self,
        operations: int | None = None,
        start: datetime | None = None,
        step: timedelta = timedelta(milliseconds=1),
    ) -> Iterator[dict[str, Any]]:
        """The same stream as oslo.messaging messages, timestamps ``step`` apart from
        ``start`` (default: now), ready for ``cdm-graph replay``."""
        moment = start or datetime.now(UTC).replace(tzinfo=None)
        for notification in self.notifications(operations):
            yield {
                "message_id": str(uuid.UUID(int=self._random.getrandbits(128), version=4)),
                "publisher_id": notification.publisher_id,
                "event_type": notification.event_type,
                "priority": notification.priority,
                "payload": notification.payload,
                "timestamp": moment.isoformat(sep=" ", timespec="microseconds"),
            }
            moment += step

    def truth(self) -> dict[str, Any]:
        """What Nova knows now, in the terms of the graph."""
        return {
            "compute_nodes": {
                name: {
                    "status": "disabled" if host.disabled else "enabled",
                    "disabled_reason": host.disabled_reason,
                }
                for name, host in sorted(self.hosts.items())
            },
            "instances": {
                key: {
                    "host": instance.host,
                    "state": instance.state,
                    "power_state": instance.power_state,
                    "flavor_name": instance.flavor.name,
                    "vcpus": instance.flavor.vcpus,
                    "memory_mb": instance.flavor.memory_mb,
                }
                for key, instance in sorted(self.instances.items())
            },
        }


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


def write_truth(simulator: NovaSimulator, path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(simulator.truth(), out, indent=1, sort_keys=True)
