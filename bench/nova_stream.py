"""A Nova-shaped notification stream, built from Nova's own sample payloads.

Every message is one of Nova's samples (``shared/fixtures/nova-notification-samples``, loaded
with ``cdm_graph.transport.samples.load_sample``): every field Nova sends, about 2 KB on the
wire, with the uuids, hosts, names, states and flavors of one cloud substituted. This is the
traffic users measured cdm-graph with (issue 12), unlike ``cdm_graph.simulate``'s payloads,
which carry fewer fields and come with ``.start`` events that change nothing.

- Only the event types of ``cdm_graph.mapping.NOTIFICATION_MAPPING``, and no ``.start``
  event: ``instance.update`` around every state change (``notify_on_state_change =
  vm_and_task_state``), creates, deletes and soft deletes, power and pause/suspend/rescue
  cycles, locks, live migrations (``post_dest``, some with ``force_complete`` from the source
  first, some rolled back), resizes confirmed or reverted on a new host, evacuations (whose
  ``instance.rebuild.end`` names the stale old host, and comes last), shelve and
  shelve-offload (host null) and unshelve, and ``service.update`` of nova-compute (disable,
  enable, forced down and up).
- Every operation picks a random instance or host of the whole cloud.
- ``truth()`` is the cloud the messages drawn so far end with, in the terms of
  ``tests.graphs.read_truth_view`` (``cdm_graph.simulate.cloud_truth``).

Messages carry no time: whoever publishes or applies them stamps them in order
(``bench.stream``), so that Nova's clock orders them as drawn. Payloads share their
unchanging parts (the flavor objects, the sample's lists): treat them as read-only.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stream import CloudState, cloud_state
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.simulate import (
    FLAVORS,
    Flavor,
    Notification,
    SimulatedHost,
    SimulatedInstance,
    cloud_truth,
)
from cdm_graph.transport.samples import load_sample
from tests.nova import samples_dir

DATA = "nova_object.data"
CONTROLLER = "controller"


@dataclass(frozen=True, slots=True)
class Template:
    """One sample: its payload without the data, the data, and who publishes it."""

    head: dict[str, Any]
    data: dict[str, Any]
    publisher_binary: str
    priority: str


def load_templates(folder: Path | None = None) -> dict[str, Template]:
    """The sample of every event type the mapping handles that Nova's samples have."""
    folder = folder or samples_dir()
    templates: dict[str, Template] = {}
    for event_type in NOTIFICATION_MAPPING:
        path = folder / (event_type.replace(".", "-") + ".json")
        if not path.exists():
            continue
        sample = load_sample(path)
        payload = sample["payload"]
        templates[event_type] = Template(
            head={key: value for key, value in payload.items() if key != DATA},
            data=payload[DATA],
            publisher_binary=str(sample.get("publisher_id", "nova-compute:x")).split(":")[0],
            priority=str(sample.get("priority", "INFO")),
        )
    return templates


class _RandomPool:
    """Keys in a list too, for picking one at random in O(1) among hundreds of thousands."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._positions: dict[str, int] = {}

    def add(self, key: str) -> None:
        self._positions[key] = len(self.keys)
        self.keys.append(key)

    def remove(self, key: str) -> None:
        position = self._positions.pop(key)
        last = self.keys.pop()
        if last != key:
            self.keys[position] = last
            self._positions[last] = position

    def discard(self, key: str) -> None:
        if key in self._positions:
            self.remove(key)

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def __len__(self) -> int:
        return len(self.keys)


# How often each operation is tried, as in a busy but ordinary cloud. An operation that is
# not possible now (nothing to unpause) is replaced by another draw.
OPERATION_WEIGHTS: dict[str, int] = {
    "create": 10,
    "delete": 8,
    "soft_delete": 1,
    "restore": 1,
    "power_off": 8,
    "power_on": 8,
    "pause": 2,
    "unpause": 2,
    "suspend": 2,
    "resume": 2,
    "rescue": 1,
    "unrescue": 1,
    "lock": 3,
    "unlock": 3,
    "live_migrate": 12,
    "live_migration_rollback": 2,
    "resize_confirm": 6,
    "resize_revert": 2,
    "evacuate": 3,
    "shelve_offload": 4,
    "unshelve": 4,
    "disable_service": 1,
    "enable_service": 1,
    "force_down_service": 1,
    "force_up_service": 1,
}

# Simple state changes: (vm_state before, task_state while, event, vm_state, power_state after).
_CYCLES: dict[str, tuple[str, str, str, str, str]] = {
    "power_off": ("active", "powering-off", "instance.power_off.end", "stopped", "shutdown"),
    "power_on": ("stopped", "powering-on", "instance.power_on.end", "active", "running"),
    "pause": ("active", "pausing", "instance.pause.end", "paused", "paused"),
    "unpause": ("paused", "unpausing", "instance.unpause.end", "active", "running"),
    "suspend": ("active", "suspending", "instance.suspend.end", "suspended", "suspended"),
    "resume": ("suspended", "resuming", "instance.resume.end", "active", "running"),
    "rescue": ("active", "rescuing", "instance.rescue.end", "rescued", "shutdown"),
    "unrescue": ("rescued", "unrescuing", "instance.unrescue.end", "active", "running"),
}

# States from which Nova lets an instance move, shelve or be evacuated.
_MOVABLE = ("active", "stopped")


class NovaShapedCloud:
    """A cloud of ``hosts`` compute hosts and ``instances`` instances, and the messages Nova
    sends about it, deterministic for a seed. ``build()`` yields the build-up from nothing;
    ``operations(n)`` then draws operations on the built cloud."""

    def __init__(
        self, hosts: int, instances: int, seed: int = 11, samples: Path | None = None
    ) -> None:
        if hosts < 2:
            raise ValueError("moves need at least two compute hosts")
        self.host_count = hosts
        self.instance_count = instances
        self._random = random.Random(seed)
        self._templates = load_templates(samples)
        self._flavors = {flavor.name: self._flavor_payload(flavor) for flavor in FLAVORS}
        self.hosts: dict[str, SimulatedHost] = {}
        self._hostnames: list[str] = []
        self.forced_down: set[str] = set()
        self.instances: dict[str, SimulatedInstance] = {}
        self.locked = _RandomPool()
        # Soft-deleted instances are gone from the graph until restored.
        self.soft_deleted: dict[str, SimulatedInstance] = {}
        self._pool = _RandomPool()
        self._created = 0
        self._projects = [self._uuid().replace("-", "") for _ in range(max(1, instances // 50))]
        self._operations: dict[str, Callable[[], list[Notification] | None]] = {
            name: getattr(self, f"_{name}") for name in OPERATION_WEIGHTS if name not in _CYCLES
        }
        for name in _CYCLES:
            self._operations[name] = self._cycle_operation(name)

    # --- the stream ----------------------------------------------------------------------

    def build(self) -> Iterator[Notification]:
        """The build-up from an empty graph: a ``service.create`` for each nova-compute (and
        the controller's other services, which must not become compute nodes), then one
        ``instance.create.end`` for each instance, on a random host."""
        for binary in ("nova-conductor", "nova-scheduler"):
            yield self._service("service.create", SimulatedHost(CONTROLLER, self._uuid()), binary)
        for number in range(1, self.host_count + 1):
            host = SimulatedHost(f"compute-{number:05d}", self._uuid())
            self.hosts[host.hostname] = host
            self._hostnames.append(host.hostname)
            yield self._service("service.create", host, "nova-compute")
        for _ in range(self.instance_count):
            instance = self._new_instance(self._random.choice(self._hostnames))
            instance.state, instance.power_state, instance.task_state = "active", "running", None
            self._add(instance)
            yield self._instance("instance.create.end", instance)

    def operation(self) -> list[Notification]:
        """One operation, chosen by weight among those possible now."""
        names, weights = zip(*OPERATION_WEIGHTS.items(), strict=True)
        for _ in range(32):
            messages = self._operations[self._random.choices(names, weights)[0]]()
            if messages is not None:
                return messages
        return self._create()

    def operations(self, count: int) -> list[Notification]:
        """Whole operations, at least ``count`` messages: an operation cut short would leave
        the graph short of ``truth()``."""
        drawn: list[Notification] = []
        while len(drawn) < count:
            drawn.extend(self.operation())
        return drawn

    def truth(self) -> dict[str, Any]:
        """What Nova knows now, in the terms of ``tests.graphs.read_truth_view``: this cloud
        has no aggregates, server groups or flavor events, so every host is in the default
        zone and every flavor its instances name is a stub."""
        return cloud_truth(self.hosts.values(), self.instances.values())

    def state(self) -> CloudState:
        """The cloud now, as Watcher's model starts from it."""
        return cloud_state(self.hosts.values(), self.instances.values())

    # --- payloads ------------------------------------------------------------------------

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _flavor_payload(self, flavor: Flavor) -> dict[str, Any]:
        sample = self._templates["instance.update"].data["flavor"]
        return {
            **sample,
            DATA: {
                **sample[DATA],
                "flavorid": flavor.flavorid,
                "name": flavor.name,
                "vcpus": flavor.vcpus,
                "memory_mb": flavor.memory_mb,
                "root_gb": flavor.root_gb,
                "ephemeral_gb": flavor.ephemeral_gb,
                "swap": flavor.swap,
            },
        }

    def _instance(
        self,
        event_type: str,
        instance: SimulatedInstance,
        host: str | None = None,
        sent_from: str | None = None,
        **fields: Any,
    ) -> Notification:
        """The sample of ``event_type`` describing ``instance``; its ``host`` field is
        ``host`` when given (a stale one), else where the instance is."""
        template = self._templates[event_type]
        named_host = instance.host if host is None else host
        data = dict(template.data)
        data.update(
            uuid=instance.uuid,
            display_name=instance.name,
            display_description=instance.name,
            host_name=instance.name,
            host=named_host,
            node=named_host,
            availability_zone="nova" if named_host else None,
            tenant_id=instance.project_id,
            action_initiator_project=instance.project_id,
            user_id=instance.user_id,
            action_initiator_user=instance.user_id,
            state=instance.state,
            task_state=instance.task_state,
            power_state=instance.power_state,
            image_uuid=instance.image_uuid,
            metadata=instance.metadata,
            locked=instance.uuid in self.locked,
            created_at=instance.created_at,
            launched_at=instance.created_at,
            flavor=self._flavors[instance.flavor.name],
            **fields,
        )
        binary = template.publisher_binary
        publisher = sent_from or (named_host if binary == "nova-compute" else None) or CONTROLLER
        return Notification(
            f"{binary}:{publisher}",
            event_type,
            {**template.head, DATA: data},
            template.priority,
        )

    def _update(
        self, instance: SimulatedInstance, old_state: str, old_task_state: str | None
    ) -> Notification:
        """``instance.update``, which Nova sends after every change of state or host."""
        template = self._templates["instance.update"]
        state_update = template.data["state_update"]
        return self._instance(
            "instance.update",
            instance,
            sent_from=instance.host or CONTROLLER,
            old_display_name=None,
            state_update={
                **state_update,
                DATA: {
                    "old_state": old_state,
                    "state": instance.state,
                    "old_task_state": old_task_state,
                    "new_task_state": instance.task_state,
                },
            },
        )

    def _set(
        self,
        instance: SimulatedInstance,
        task_state: str | None,
        state: str | None = None,
        power_state: str | None = None,
        **placement: str | None,
    ) -> Notification:
        """Change the instance (``host=`` moves it) and report it with ``instance.update``."""
        old_state, old_task_state = instance.state, instance.task_state
        instance.task_state = task_state
        if state is not None:
            instance.state = state
        if power_state is not None:
            instance.power_state = power_state
        if "host" in placement:
            instance.host = placement["host"]
        return self._update(instance, old_state, old_task_state)

    def _service(self, event_type: str, host: SimulatedHost, binary: str) -> Notification:
        template = self._templates[event_type]
        data = dict(template.data)
        data.update(
            host=host.hostname,
            binary=binary,
            topic=binary.removeprefix("nova-"),
            uuid=host.service_uuid,
            disabled=host.disabled,
            disabled_reason=host.disabled_reason,
            forced_down=host.hostname in self.forced_down,
        )
        return Notification(
            f"{binary}:{host.hostname}",
            event_type,
            {**template.head, DATA: data},
            template.priority,
        )

    # --- picking -------------------------------------------------------------------------

    def _new_instance(self, host: str | None) -> SimulatedInstance:
        self._created += 1
        return SimulatedInstance(
            uuid=self._uuid(),
            name=f"vm-{self._created:06d}",
            project_id=self._random.choice(self._projects),
            user_id="operator",
            flavor=self._random.choice(FLAVORS),
            image_uuid="" if self._random.random() < 0.1 else self._uuid(),
            host=host,
            state="building",
            power_state="pending",
            task_state="scheduling",
            created_at=f"2026-01-{1 + self._created % 28:02d}T09:00:00Z",
            metadata={"tier": self._random.choice(("web", "db", "batch"))},
        )

    def _add(self, instance: SimulatedInstance) -> None:
        self.instances[instance.uuid] = instance
        self._pool.add(instance.uuid)

    def _remove(self, instance: SimulatedInstance) -> None:
        del self.instances[instance.uuid]
        self._pool.remove(instance.uuid)
        self.locked.discard(instance.uuid)

    def _pick(self, states: tuple[str, ...], hosted: bool = True) -> SimulatedInstance | None:
        # Sampling, not scanning: the cloud may hold hundreds of thousands of instances.
        if not self._pool.keys:
            return None
        for _ in range(32):
            instance = self.instances[self._random.choice(self._pool.keys)]
            if instance.state in states and (instance.host is not None or not hosted):
                return instance
        return None

    def _destinations(self, excluding: str | None = None) -> list[str]:
        """Where the scheduler may place an instance: enabled hosts that are up."""
        return [
            name
            for name, host in self.hosts.items()
            if not host.disabled and name not in self.forced_down and name != excluding
        ]

    def _destination(self, excluding: str | None = None) -> str | None:
        # A few random draws before the full scan: most hosts are schedulable.
        for _ in range(8):
            name = self._random.choice(self._hostnames)
            host = self.hosts[name]
            if not host.disabled and name not in self.forced_down and name != excluding:
                return name
        candidates = self._destinations(excluding)
        return self._random.choice(candidates) if candidates else None

    # --- operations, as Nova's services report them (no .start events) -------------------

    def _create(self) -> list[Notification]:
        host = self._destination() or self._random.choice(self._hostnames)
        instance = self._new_instance(None)
        self._add(instance)
        messages = [self._update(instance, "building", None)]
        messages.append(self._set(instance, "spawning", host=host))
        instance.state, instance.power_state, instance.task_state = "active", "running", None
        messages.append(self._instance("instance.create.end", instance))
        messages.append(self._update(instance, "building", "spawning"))
        return messages

    def _delete(self) -> list[Notification] | None:
        if len(self.instances) <= self.instance_count // 2:
            return None
        instance = self._pick(("active", "stopped", "paused", "suspended", "shelved_offloaded"),
                              hosted=False)  # fmt: skip
        if instance is None:
            return None
        messages = [self._set(instance, "deleting")]
        instance.state, instance.power_state, instance.task_state = "deleted", "nostate", None
        self._remove(instance)
        messages.append(self._instance("instance.delete.end", instance))
        return messages

    def _soft_delete(self) -> list[Notification] | None:
        if len(self.instances) <= self.instance_count // 2:
            return None
        instance = self._pick(("active", "stopped"))
        if instance is None:
            return None
        messages = [self._set(instance, "soft-deleting")]
        instance.state, instance.task_state = "soft-delete", None
        self._remove(instance)
        self.soft_deleted[instance.uuid] = instance
        messages.append(self._instance("instance.soft_delete.end", instance))
        return messages

    def _restore(self) -> list[Notification] | None:
        if not self.soft_deleted:
            return None
        instance = self.soft_deleted.pop(self._random.choice(list(self.soft_deleted)))
        self._add(instance)
        instance.state, instance.power_state, instance.task_state = "active", "running", None
        return [
            self._instance("instance.restore.end", instance),
            self._update(instance, "soft-delete", "restoring"),
        ]

    def _cycle_operation(self, name: str) -> Callable[[], list[Notification] | None]:
        before, task_state, event_type, after, power_state = _CYCLES[name]

        def operation() -> list[Notification] | None:
            instance = self._pick((before,))
            if instance is None:
                return None
            messages = [self._set(instance, task_state)]
            instance.state, instance.power_state, instance.task_state = after, power_state, None
            messages.append(self._instance(event_type, instance))
            messages.append(self._update(instance, before, task_state))
            return messages

        return operation

    def _lock(self) -> list[Notification] | None:
        instance = self._pick(_MOVABLE, hosted=False)
        if instance is None or instance.uuid in self.locked:
            return None
        self.locked.add(instance.uuid)
        return [self._instance("instance.lock", instance)]

    def _unlock(self) -> list[Notification] | None:
        if not self.locked:
            return None
        instance = self.instances[self._random.choice(self.locked.keys)]
        self.locked.remove(instance.uuid)
        return [self._instance("instance.unlock", instance)]

    def _live_migrate(self) -> list[Notification] | None:
        instance = self._pick(("active",))
        dest = self._destination(excluding=instance.host) if instance else None
        if instance is None or dest is None:
            return None
        messages = [self._set(instance, "migrating")]
        if self._random.random() < 0.25:
            # Sent from the source while the migration still runs: earlier than post_dest.
            messages.append(self._instance("instance.live_migration_force_complete.end",
                                           instance))  # fmt: skip
        instance.host, instance.task_state = dest, None
        messages.append(
            self._instance("instance.live_migration_post_dest.end", instance, sent_from=dest)
        )
        messages.append(self._update(instance, instance.state, "migrating"))
        return messages

    def _live_migration_rollback(self) -> list[Notification] | None:
        instance = self._pick(("active",))
        if instance is None:
            return None
        messages = [self._set(instance, "migrating")]
        instance.task_state = None
        messages.append(self._instance("instance.live_migration_rollback.end", instance))
        messages.append(self._update(instance, instance.state, "migrating"))
        return messages

    def _resize(self, confirm: bool) -> list[Notification] | None:
        instance = self._pick(_MOVABLE)
        dest = self._destination(excluding=instance.host) if instance else None
        if instance is None or dest is None:
            return None
        source, old_flavor, old_state = instance.host, instance.flavor, instance.state
        messages = [self._set(instance, "resize_prep"), self._set(instance, "resize_migrating")]
        instance.task_state = "resize_migrated"
        # The source reports the disk migrated: the instance is still there.
        messages.append(self._instance("instance.resize.end", instance))
        instance.host = dest
        instance.flavor = self._random.choice([f for f in FLAVORS if f != old_flavor])
        instance.state, instance.task_state = "resized", None
        messages.append(self._instance("instance.resize_finish.end", instance))
        messages.append(self._update(instance, old_state, "resize_finish"))
        if confirm:
            instance.state = old_state
            messages.append(
                self._instance("instance.resize_confirm.end", instance, sent_from=source)
            )
            messages.append(self._update(instance, "resized", None))
        else:
            messages.append(self._set(instance, "resize_reverting"))
            instance.host, instance.flavor = source, old_flavor
            instance.state, instance.task_state = old_state, None
            messages.append(self._instance("instance.resize_revert.end", instance))
            messages.append(self._update(instance, "resized", "resize_reverting"))
        return messages

    def _resize_confirm(self) -> list[Notification] | None:
        return self._resize(confirm=True)

    def _resize_revert(self) -> list[Notification] | None:
        return self._resize(confirm=False)

    def _evacuate(self) -> list[Notification] | None:
        instance = self._pick(_MOVABLE)
        dest = self._destination(excluding=instance.host) if instance else None
        if instance is None or dest is None:
            return None
        source = instance.host
        messages = [self._set(instance, "rebuild_spawning", host=dest)]
        old_state = instance.state
        instance.state, instance.power_state, instance.task_state = "active", "running", None
        messages.append(self._update(instance, old_state, "rebuild_spawning"))
        # After an evacuation Nova sends it last, naming the old host: a stale host.
        messages.append(self._instance("instance.rebuild.end", instance, host=source,
                                       sent_from=dest))  # fmt: skip
        return messages

    def _shelve_offload(self) -> list[Notification] | None:
        instance = self._pick(_MOVABLE)
        if instance is None:
            return None
        old_state = instance.state
        messages = [self._set(instance, "shelving")]
        instance.state, instance.power_state, instance.task_state = "shelved", "shutdown", None
        messages.append(self._instance("instance.shelve.end", instance))
        messages.append(self._update(instance, old_state, "shelving"))
        messages.append(self._set(instance, "shelving_offloading"))
        host = instance.host
        instance.host, instance.state, instance.task_state = None, "shelved_offloaded", None
        messages.append(self._instance("instance.shelve_offload.end", instance, sent_from=host))
        messages.append(self._update(instance, "shelved", "shelving_offloading"))
        return messages

    def _unshelve(self) -> list[Notification] | None:
        instance = self._pick(("shelved_offloaded",), hosted=False)
        dest = self._destination()
        if instance is None or dest is None:
            return None
        messages = [self._set(instance, "unshelving")]
        instance.host, instance.state, instance.power_state = dest, "active", "running"
        instance.task_state = None
        messages.append(self._instance("instance.unshelve.end", instance))
        messages.append(self._update(instance, "shelved_offloaded", "unshelving"))
        return messages

    def _service_update(self, host: SimulatedHost) -> list[Notification]:
        return [self._service("service.update", host, "nova-compute")]

    def _disable_service(self) -> list[Notification] | None:
        host = self.hosts[self._random.choice(self._hostnames)]
        enabled = sum(not h.disabled for h in self.hosts.values())
        if host.disabled or enabled <= max(1, self.host_count // 2):
            return None
        host.disabled, host.disabled_reason = True, "maintenance"
        return self._service_update(host)

    def _enable_service(self) -> list[Notification] | None:
        disabled = [host for host in self.hosts.values() if host.disabled]
        if not disabled:
            return None
        host = self._random.choice(disabled)
        host.disabled, host.disabled_reason = False, None
        return self._service_update(host)

    def _force_down_service(self) -> list[Notification] | None:
        host = self.hosts[self._random.choice(self._hostnames)]
        if host.hostname in self.forced_down or len(self.forced_down) >= self.host_count // 4:
            return None
        self.forced_down.add(host.hostname)
        return self._service_update(host)

    def _force_up_service(self) -> list[Notification] | None:
        if not self.forced_down:
            return None
        hostname = self._random.choice(sorted(self.forced_down))
        self.forced_down.discard(hostname)
        return self._service_update(self.hosts[hostname])
