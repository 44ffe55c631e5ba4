"""A cloud that changes as operations run on it, and the notifications Nova sends about it.

The cloud is built as an operator builds one: the services (compute hosts, and a
controller's other binaries, which must not become compute nodes), the flavors (public and
private, with extra specs and access), the host aggregates (availability zones of one or
two aggregates each, a few hosts left in none so that they are in the default zone, and
aggregates that only tag hosts), the server groups (each policy), then the instances, some
of them created into a server group.

Operations then run on it as Nova's compute manager and API report them:

- instances: every ``.start`` and ``.end``, with the host each one really carries (a move's
  early events name the old host), ``instance.update`` after each state change
  (``notify_on_state_change = vm_and_task_state``); an instance boots with a flavor its
  project may use and resizes to another; one created into a server group is placed as the
  group's policy says, after a ``server_group.add_member`` with the group's whole member
  list; its moves keep to the policy;
- services: disabled and enabled; compute hosts commissioned (disabled, then put in a zone)
  and decommissioned once empty (Nova refuses to delete a compute service that hosts
  instances, and takes its host out of every aggregate first, with
  ``aggregate.remove_host``);
- aggregates: hosts moved between zones, tagged and untagged, metadata changed (a zone given
  or renamed only where no host of the aggregate has instances, as Nova requires),
  aggregates renamed, created, emptied and deleted (Nova deletes only an empty one);
- flavors: created, updated (extra specs, access, description) and deleted, instances built
  with them keeping their embedded figures;
- server groups: created and deleted; a deleted instance stays in its groups' member lists,
  as in Nova's database (until archived: the simulator drops them from a list that has grown
  long, and the next ``add_member`` shows it).

The new families' operations are a small share of the draws (their weights beside the
instances' below), so the stream keeps the shape and volume it had for instances and
services. It is deterministic for a seed, and ``truth()`` is the state the stream ends with.
"""

from __future__ import annotations

import enum
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cdm_graph.simulate.cloud import (
    AVAILABILITY_ZONE,
    DEFAULT_ZONE,
    FLAVORS,
    MAX_SERVER_PER_HOST,
    POLICIES,
    Flavor,
    SimulatedAggregate,
    SimulatedFlavor,
    SimulatedHost,
    SimulatedInstance,
    SimulatedServerGroup,
    cloud_truth,
)
from cdm_graph.simulate.payloads import (
    Notification,
    aggregate_notification,
    embedded_flavor,
    flavor_notification,
    nova_object,
    nova_time,
    server_group_notification,
    service_notification,
)


class _Unchanged(enum.Enum):
    """A keyword argument left out: the value stays as it is (None is a value)."""

    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


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
    COMMISSION_HOST = "commission_host"
    DECOMMISSION_HOST = "decommission_host"
    MOVE_HOST = "move_host"
    TAG_HOST = "tag_host"
    UPDATE_AGGREGATE_METADATA = "update_aggregate_metadata"
    RENAME_AGGREGATE = "rename_aggregate"
    CREATE_AGGREGATE = "create_aggregate"
    DELETE_AGGREGATE = "delete_aggregate"
    CREATE_FLAVOR = "create_flavor"
    UPDATE_FLAVOR = "update_flavor"
    DELETE_FLAVOR = "delete_flavor"
    CREATE_SERVER_GROUP = "create_server_group"
    DELETE_SERVER_GROUP = "delete_server_group"


# How often each operation is tried, as in a busy but ordinary cloud. The instances' and
# services' weights keep their proportions of before the aggregates, flavors and server
# groups came (doubled, all of them); those take about one draw in eleven, and fewer
# notifications than an instance's operation.
OPERATION_WEIGHTS: dict[Operation, int] = {
    Operation.POWER_OFF: 24,
    Operation.POWER_ON: 24,
    Operation.LIVE_MIGRATE: 28,
    Operation.RESIZE_CONFIRM: 16,
    Operation.RESIZE_REVERT: 6,
    Operation.SHELVE_OFFLOAD: 10,
    Operation.UNSHELVE: 10,
    Operation.DELETE: 20,
    Operation.CREATE: 20,
    Operation.DISABLE_SERVICE: 2,
    Operation.ENABLE_SERVICE: 2,
    Operation.COMMISSION_HOST: 1,
    Operation.DECOMMISSION_HOST: 1,
    Operation.MOVE_HOST: 2,
    Operation.TAG_HOST: 1,
    Operation.UPDATE_AGGREGATE_METADATA: 1,
    Operation.RENAME_AGGREGATE: 1,
    Operation.CREATE_AGGREGATE: 1,
    Operation.DELETE_AGGREGATE: 1,
    Operation.CREATE_FLAVOR: 2,
    Operation.UPDATE_FLAVOR: 2,
    Operation.DELETE_FLAVOR: 1,
    Operation.CREATE_SERVER_GROUP: 1,
    Operation.DELETE_SERVER_GROUP: 1,
}

# Nova's [quota] server_group_members: the live members a group may have.
SERVER_GROUP_QUOTA = 10
# The share of new instances created into a server group.
GROUPED_SHARE = 0.15
# Instances per server group at start-up, about.
INSTANCES_PER_GROUP = 50
# A member list longer than this has its deleted members archived before the next member
# is added (``nova-manage db archive_deleted_rows``), so that it does not grow without end.
ARCHIVED_BEYOND = 2 * SERVER_GROUP_QUOTA
# The public flavors the simulator keeps at least, so that every project can boot.
PUBLIC_FLAVORS_KEPT = 3
# Hosts per zone aggregate at start-up, about; a zone has one or two aggregates.
HOSTS_PER_ZONE = 100
# Extra specs an operator sets and unsets on flavors.
EXTRA_SPECS: tuple[tuple[str, str], ...] = (
    ("hw:mem_page_size", "large"),
    ("hw:watchdog_action", "reset"),
    ("quota:disk_read_iops_sec", "2000"),
    ("hw_rng:allowed", "true"),
)
# Metadata an operator sets and unsets on aggregates, beside a zone.
AGGREGATE_TAGS: tuple[tuple[str, str], ...] = (
    ("maintenance_window", "sat-02:00"),
    ("filter_tenant_id", "ops"),
    ("cpu_allocation_ratio", "4.0"),
)


class NovaSimulator:
    """A cloud that changes as operations run on it, and the notifications Nova sends.

    Deterministic for a seed. ``notifications(operations)`` yields the building of the cloud
    followed by that many operations (None: without end); the state after the last
    notification yielded is ``truth()``. ``default_zone`` is Nova's
    ``default_availability_zone``, which the synchronizer's ``[graph]
    default_availability_zone`` must equal.
    """

    def __init__(
        self, hosts: int, instances: int, seed: int = 0, default_zone: str = DEFAULT_ZONE
    ) -> None:
        if hosts < 1:
            raise ValueError("a cloud needs at least one compute host")
        if instances < 0:
            raise ValueError("instances cannot be negative")
        self.host_count = hosts
        self.instance_count = instances
        self.default_zone = default_zone
        self._random = random.Random(seed)
        self._uuid_seed = seed
        self._uuids = 0
        self.hosts: dict[str, SimulatedHost] = {}
        self.instances: dict[str, SimulatedInstance] = {}
        self.flavors: dict[str, SimulatedFlavor] = {}
        self.aggregates: dict[str, SimulatedAggregate] = {}
        self.server_groups: dict[str, SimulatedServerGroup] = {}
        # Keys in a list too, for picking one at random in O(1).
        self._keys: list[str] = []
        self._positions: dict[str, int] = {}
        # The instances each host holds (Nova refuses to delete a service that has some).
        self._residents: Counter[str] = Counter()
        # The zone aggregate holding each host, if any: a host is in one zone at most.
        self._zone_aggregate: dict[str, str] = {}
        self._created = 0
        self._hosts_made = 0
        self._flavors_made = 0
        self._aggregates_made = 0
        self._zones_made = 0
        self._groups_made = 0
        # How many aggregates and server groups the cloud starts with: creations and
        # deletions keep them about that many.
        self._aggregates_planned = 0
        self._groups_planned = max(len(POLICIES), instances // INSTANCES_PER_GROUP)
        self._projects = [self._uuid().replace("-", "") for _ in range(max(1, instances // 50))]
        self._clock = datetime(2026, 1, 1, 9, 0, 0)
        self._family_operations: dict[Operation, Callable[[], Iterator[Notification] | None]] = {
            Operation.COMMISSION_HOST: self._commission_host,
            Operation.DECOMMISSION_HOST: self._decommission_host,
            Operation.MOVE_HOST: self._move_host,
            Operation.TAG_HOST: self._tag_host,
            Operation.UPDATE_AGGREGATE_METADATA: self._update_aggregate_metadata,
            Operation.RENAME_AGGREGATE: self._rename_aggregate,
            Operation.CREATE_AGGREGATE: self._create_aggregate,
            Operation.DELETE_AGGREGATE: self._delete_aggregate,
            Operation.CREATE_FLAVOR: self._create_flavor,
            Operation.UPDATE_FLAVOR: self._update_flavor,
            Operation.DELETE_FLAVOR: self._delete_flavor,
            Operation.CREATE_SERVER_GROUP: self._create_server_group,
            Operation.DELETE_SERVER_GROUP: self._delete_server_group,
        }

    # --- identities and time -------------------------------------------------------------

    def _uuid(self) -> str:
        self._uuids += 1
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return nova_time(self._clock)

    # --- where things are ----------------------------------------------------------------

    def zone_of(self, hostname: str) -> str:
        """The availability zone Nova gives a host: its zone aggregate's, or the default."""
        key = self._zone_aggregate.get(hostname)
        zone = self.aggregates[key].zone if key is not None else None
        return zone or self.default_zone

    def _place(self, instance: SimulatedInstance, host: str | None) -> None:
        if instance.host is not None:
            self._residents[instance.host] -= 1
        instance.host = host
        if host is not None:
            self._residents[host] += 1

    def _enabled_hosts(self, excluding: str | None = None) -> list[str]:
        return [
            name for name, host in self.hosts.items() if not host.disabled and name != excluding
        ]

    def _live_members(
        self, group: SimulatedServerGroup, excluding: str | None = None
    ) -> list[SimulatedInstance]:
        return [
            self.instances[member]
            for member in group.members
            if member in self.instances and member != excluding
        ]

    def _fitting(
        self, group: SimulatedServerGroup, candidates: list[str], moving: str | None = None
    ) -> list[str]:
        """The candidate hosts the group's policy lets an instance (``moving``, if it is
        already a member) go to: hard policies filter, soft ones only prefer."""
        beside = Counter(member.host for member in self._live_members(group, moving) if member.host)
        if group.policy == "affinity":
            return [host for host in candidates if host in beside] if beside else candidates
        if group.policy == "anti-affinity":
            limit = int(group.rules.get(MAX_SERVER_PER_HOST, "1"))
            return [host for host in candidates if beside[host] < limit]
        if group.policy == "soft-affinity":
            return [host for host in candidates if host in beside] or candidates
        return [host for host in candidates if host not in beside] or candidates

    def _targets(self, instance: SimulatedInstance, candidates: list[str]) -> list[str]:
        """Where the scheduler may move or unshelve an instance to."""
        group = self.server_groups.get(instance.group) if instance.group else None
        return self._fitting(group, candidates, instance.uuid) if group else candidates

    # --- instance payloads ---------------------------------------------------------------

    def _instance_data(self, instance: SimulatedInstance, host: str | None) -> dict[str, Any]:
        return {
            "architecture": "x86_64",
            "availability_zone": self.zone_of(host) if host else None,
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
            "flavor": embedded_flavor(instance.flavor),
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
            payload = nova_object("InstanceCreatePayload", "1.13", {**data, "fault": None})
        else:
            payload = nova_object("InstanceActionPayload", "1.9", {**data, "fault": None})
        return Notification(f"nova-compute:{publisher}", event_type, payload)

    def _update(
        self, instance: SimulatedInstance, old_state: str, old_task_state: str | None
    ) -> Notification:
        data = self._instance_data(instance, instance.host)
        data.update(
            audit_period=nova_object(
                "AuditPeriodPayload",
                "1.0",
                {
                    "audit_period_beginning": nova_time(self._clock.replace(day=1)),
                    "audit_period_ending": nova_time(self._clock),
                },
            ),
            old_display_name=None,
            state_update=nova_object(
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
            nova_object("InstanceUpdatePayload", "2.1", data),
        )

    def _service(self, event_type: str, host: SimulatedHost, binary: str) -> Notification:
        return service_notification(event_type, host, binary, self._now())

    # --- instances, as Nova's compute manager reports them -------------------------------

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
            self._place(instance, host)
        return self._update(instance, old_state, old_task_state)

    def _flavors_for(self, project_id: str, excluding: str | None = None) -> list[SimulatedFlavor]:
        return [
            flavor
            for flavor in self.flavors.values()
            if flavor.usable_by(project_id) and flavor.flavorid != excluding
        ]

    def _group_to_join(self) -> SimulatedServerGroup | None:
        if not self.server_groups or self._random.random() >= GROUPED_SHARE:
            return None
        group = self.server_groups[self._random.choice(list(self.server_groups))]
        if len(self._live_members(group)) >= SERVER_GROUP_QUOTA:
            return None
        return group

    def _create(self) -> Iterator[Notification]:
        candidates = self._enabled_hosts() or list(self.hosts)
        project_id = self._random.choice(self._projects)
        group = self._group_to_join()
        if group is not None:
            fitting = self._fitting(group, candidates)
            if fitting:
                candidates, project_id = fitting, group.project_id
            else:  # NoValidHost in Nova; here, the instance goes without the group
                group = None
        host = self._random.choice(candidates)
        flavors = self._flavors_for(project_id)
        flavor = self._random.choice(flavors).embedded() if flavors else FLAVORS[0]
        self._created += 1
        instance = SimulatedInstance(
            uuid=self._uuid(),
            name=f"vm-{self._created:06d}",
            project_id=project_id,
            user_id="operator",
            flavor=flavor,
            image_uuid="" if self._random.random() < 0.1 else self._uuid(),
            host=None,
            state="building",
            power_state="pending",
            task_state="scheduling",
            created_at=self._now(),
            metadata={"tier": self._random.choice(("web", "db", "batch"))},
        )
        self._add(instance)
        if group is not None:
            # nova-api adds the member while it provisions the instance, before any
            # notification about the instance itself.
            instance.group = group.uuid
            yield self._add_member(group, instance.uuid)
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
        self._place(instance, dest)
        instance.task_state = None
        yield self._action("instance.live_migration_post_dest.end", instance, dest, dest)
        yield self._update(instance, instance.state, "migrating")
        # The source reports the end of its part last, still naming itself: a stale host.
        yield self._action("instance.live_migration_post.end", instance, source, source)

    def _resize(
        self, instance: SimulatedInstance, dest: str, new_flavor: Flavor, confirm: bool
    ) -> Iterator[Notification]:
        source = instance.host
        assert source is not None
        old_flavor = instance.flavor
        old_state = instance.state
        yield self._set(instance, task_state="resize_prep")
        yield self._action("instance.resize_prep.start", instance, source, dest)
        yield self._action("instance.resize_prep.end", instance, source, dest)
        yield self._set(instance, task_state="resize_migrating")
        yield self._action("instance.resize.start", instance, source, source)
        instance.task_state = "resize_migrated"
        yield self._action("instance.resize.end", instance, source, source)
        yield self._action("instance.resize_finish.start", instance, source, dest)
        self._place(instance, dest)
        instance.flavor = new_flavor
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
            # The instance goes back to the flavor it had, even if it was deleted since.
            self._place(instance, source)
            instance.flavor = old_flavor
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
        self._place(instance, None)
        instance.state, instance.task_state = "shelved_offloaded", None
        yield self._action("instance.shelve_offload.end", instance, None, host)
        yield self._update(instance, "shelved", "shelving_offloading")

    def _unshelve(self, instance: SimulatedInstance, dest: str) -> Iterator[Notification]:
        yield self._set(instance, task_state="unshelving")
        yield self._action("instance.unshelve.start", instance, None, dest)
        self._place(instance, dest)
        instance.state, instance.power_state = "active", "running"
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

    # --- services ------------------------------------------------------------------------

    def _set_service(self, host: SimulatedHost, disabled: bool) -> Iterator[Notification]:
        host.disabled = disabled
        host.disabled_reason = "maintenance" if disabled else None
        yield self._service("service.update", host, "nova-compute")

    def _new_host(self, disabled: bool = False) -> SimulatedHost:
        self._hosts_made += 1
        host = SimulatedHost(
            f"compute-{self._hosts_made:05d}",
            self._uuid(),
            disabled=disabled,
            disabled_reason="commissioning" if disabled else None,
        )
        self.hosts[host.hostname] = host
        return host

    def _commission_host(self) -> Iterator[Notification] | None:
        """A new compute host starts disabled, and is enabled later as any disabled host.
        The operator puts it in a zone aggregate most often; or in a new rack: an aggregate
        created for it, made a zone once the host is in; or leaves it in the default zone."""
        if len(self.hosts) >= self.host_count + max(1, self.host_count // 10):
            return None
        zones = self._zone_aggregates()
        draw = self._random.random()
        if draw < 0.2 and len(self.aggregates) <= self._aggregates_planned + 1:
            return self._racked()
        aggregate = self._random.choice(zones) if zones and draw < 0.8 else None
        return self._commissioned(aggregate)

    # The state changes as the notifications are drawn, never before: a stream stopped
    # between two operations ends in truth().
    def _commissioned(self, aggregate: SimulatedAggregate | None) -> Iterator[Notification]:
        host = self._new_host(disabled=True)
        yield self._service("service.create", host, "nova-compute")
        if aggregate is not None:
            yield from self._add_host(aggregate, host.hostname)

    def _racked(self) -> Iterator[Notification]:
        host = self._new_host(disabled=True)
        yield self._service("service.create", host, "nova-compute")
        rack = self._new_aggregate(f"rack-{self._aggregates_made + 1}", {})
        yield from self._filled(rack, [host.hostname])
        zones = sorted({a.zone for a in self._zone_aggregates() if a.zone})
        zone = self._random.choice(zones) if zones and self._random.random() < 0.5 else None
        yield from self._set_metadata(rack, {AVAILABILITY_ZONE: zone or self._new_zone()})

    def _decommission_host(self) -> Iterator[Notification] | None:
        if len(self.hosts) <= max(1, self.host_count - max(1, self.host_count // 10)):
            return None
        empty = [name for name in self.hosts if not self._residents[name]]
        return self._decommissioned(self._random.choice(empty)) if empty else None

    def _decommissioned(self, hostname: str) -> Iterator[Notification]:
        # DELETE /os-services/{id}: Nova takes the host out of every aggregate, then
        # destroys the service.
        for aggregate in [a for a in self.aggregates.values() if hostname in a.hosts]:
            yield from self._remove_host(aggregate, hostname)
        host = self.hosts.pop(hostname)
        self._residents.pop(hostname, None)
        yield self._service("service.delete", host, "nova-compute")

    # --- aggregates, as nova-api reports them --------------------------------------------

    def _new_aggregate(self, name: str, metadata: dict[str, str]) -> SimulatedAggregate:
        self._aggregates_made += 1
        return SimulatedAggregate(self._aggregates_made, self._uuid(), name, dict(metadata))

    def _new_zone(self) -> str:
        self._zones_made += 1
        return f"az-{self._zones_made}"

    def _aggregate_created(self, aggregate: SimulatedAggregate) -> Iterator[Notification]:
        yield aggregate_notification("aggregate.create.start", aggregate, created=False)
        self.aggregates[aggregate.uuid] = aggregate
        yield aggregate_notification("aggregate.create.end", aggregate)

    def _add_host(self, aggregate: SimulatedAggregate, hostname: str) -> Iterator[Notification]:
        yield aggregate_notification("aggregate.add_host.start", aggregate)
        aggregate.hosts.append(hostname)
        if aggregate.zone is not None:
            self._zone_aggregate[hostname] = aggregate.uuid
        yield aggregate_notification("aggregate.add_host.end", aggregate)

    def _remove_host(self, aggregate: SimulatedAggregate, hostname: str) -> Iterator[Notification]:
        yield aggregate_notification("aggregate.remove_host.start", aggregate)
        aggregate.hosts.remove(hostname)
        if self._zone_aggregate.get(hostname) == aggregate.uuid:
            del self._zone_aggregate[hostname]
        yield aggregate_notification("aggregate.remove_host.end", aggregate)

    def _set_metadata(
        self, aggregate: SimulatedAggregate, changes: dict[str, str | None]
    ) -> Iterator[Notification]:
        """``POST /os-aggregates/{id}/action`` set_metadata: a None value removes the key."""
        yield aggregate_notification("aggregate.update_metadata.start", aggregate)
        for key, value in changes.items():
            if value is None:
                aggregate.metadata.pop(key, None)
            else:
                aggregate.metadata[key] = value
        if aggregate.zone is not None:
            for hostname in aggregate.hosts:
                self._zone_aggregate[hostname] = aggregate.uuid
        yield aggregate_notification("aggregate.update_metadata.end", aggregate)

    def _zone_aggregates(self) -> list[SimulatedAggregate]:
        return [aggregate for aggregate in self.aggregates.values() if aggregate.zone]

    def _tag_aggregates(self) -> list[SimulatedAggregate]:
        return [aggregate for aggregate in self.aggregates.values() if not aggregate.zone]

    def _build_aggregates(self) -> Iterator[Iterator[Notification]]:
        """Zones of one or two aggregates each, about one host in eight left in none (the
        default zone), and two aggregates that tag hosts across zones."""
        hostnames = list(self.hosts)
        self._random.shuffle(hostnames)
        unzoned = len(hostnames) // 8 if len(hostnames) >= 8 else min(1, len(hostnames) - 1)
        zoned = hostnames[unzoned:]
        zone_count = max(1, min(len(zoned) // 2, -(-len(zoned) // HOSTS_PER_ZONE) + 1))
        for number in range(zone_count):
            members = zoned[number::zone_count]
            zone = self._new_zone()
            racks = 2 if len(members) >= 4 else 1
            for rack in range(racks):
                aggregate = self._new_aggregate(
                    f"{zone}-rack-{rack + 1}", {AVAILABILITY_ZONE: zone}
                )
                self._aggregates_planned += 1
                yield self._filled(aggregate, members[rack::racks])
        for name, share in (("ssd", 4), ("gpu", 10)):
            aggregate = self._new_aggregate(name, {name: "true"})
            self._aggregates_planned += 1
            tagged = hostnames[::share] if len(hostnames) >= share else hostnames[:1]
            yield self._filled(aggregate, tagged)

    def _filled(
        self, aggregate: SimulatedAggregate, hostnames: list[str]
    ) -> Iterator[Notification]:
        yield from self._aggregate_created(aggregate)
        for hostname in hostnames:
            yield from self._add_host(aggregate, hostname)

    def _move_host(self) -> Iterator[Notification] | None:
        """A host leaves its zone for another zone, or for the default zone, or joins a zone
        from the default one."""
        if not self.hosts:
            return None
        hostname = self._random.choice(list(self.hosts))
        current = self._zone_aggregate.get(hostname)
        others = [a for a in self._zone_aggregates() if a.uuid != current]
        if current is None and not others:
            return None
        target = self._random.choice(others) if others and self._random.random() < 0.8 else None
        if current is None and target is None:
            target = self._random.choice(others)
        return self._moved(hostname, current, target)

    def _moved(
        self, hostname: str, current: str | None, target: SimulatedAggregate | None
    ) -> Iterator[Notification]:
        if current is not None:
            yield from self._remove_host(self.aggregates[current], hostname)
        if target is not None:
            yield from self._add_host(target, hostname)

    def _tag_host(self) -> Iterator[Notification] | None:
        tags = self._tag_aggregates()
        if not tags or not self.hosts:
            return None
        aggregate = self._random.choice(tags)
        hostname = self._random.choice(list(self.hosts))
        if hostname in aggregate.hosts:
            return self._remove_host(aggregate, hostname)
        return self._add_host(aggregate, hostname)

    def _update_aggregate_metadata(self) -> Iterator[Notification] | None:
        """Half the time a zone given or renamed, where Nova allows it: on an aggregate none
        of whose hosts has instances (Nova refuses a zone change otherwise) or is in another
        zone. Else a tag set or unset."""
        rezonable = [a for a in self.aggregates.values() if self._may_rezone(a)]
        if rezonable and self._random.random() < 0.5:
            aggregate = self._random.choice(rezonable)
            zones = sorted(
                {a.zone for a in self._zone_aggregates() if a.zone and a.zone != aggregate.zone}
            )
            zone = self._random.choice(zones) if zones and self._random.random() < 0.5 else None
            return self._set_metadata(aggregate, {AVAILABILITY_ZONE: zone or self._new_zone()})
        if not self.aggregates:
            return None
        aggregate = self.aggregates[self._random.choice(list(self.aggregates))]
        key, value = self._random.choice(AGGREGATE_TAGS)
        return self._set_metadata(aggregate, {key: None if key in aggregate.metadata else value})

    def _may_rezone(self, aggregate: SimulatedAggregate) -> bool:
        return all(
            not self._residents[hostname]
            and self._zone_aggregate.get(hostname, aggregate.uuid) == aggregate.uuid
            for hostname in aggregate.hosts
        )

    def _rename_aggregate(self) -> Iterator[Notification] | None:
        if not self.aggregates:
            return None
        aggregate = self.aggregates[self._random.choice(list(self.aggregates))]
        return self._renamed(aggregate, f"{aggregate.name.split('~')[0]}~{self._uuid()[:4]}")

    def _renamed(self, aggregate: SimulatedAggregate, name: str) -> Iterator[Notification]:
        # PUT /os-aggregates/{id}: both events carry the new name (Nova sets it first).
        aggregate.name = name
        yield aggregate_notification("aggregate.update_prop.start", aggregate)
        yield aggregate_notification("aggregate.update_prop.end", aggregate)

    def _create_aggregate(self) -> Iterator[Notification] | None:
        """A new aggregate, a zone half the time, with a host or two (hosts of the default
        zone, for a zone)."""
        if len(self.aggregates) > self._aggregates_planned + 1:
            return None
        zoned = self._random.random() < 0.5
        candidates = [h for h in self.hosts if not zoned or h not in self._zone_aggregate]
        count = min(len(candidates), self._random.randint(0, 2))
        chosen = self._random.sample(candidates, count)
        metadata = {AVAILABILITY_ZONE: self._new_zone()} if zoned else {}
        name = f"agg-{self._aggregates_made + 1}"
        return self._filled(self._new_aggregate(name, metadata), chosen)

    def _delete_aggregate(self) -> Iterator[Notification] | None:
        """A small aggregate (two hosts at most) goes: the zones of start-up stay, as an
        operator keeps them."""
        if len(self.aggregates) < self._aggregates_planned:
            return None
        small = [a for a in self.aggregates.values() if len(a.hosts) <= 2]
        return self._deleted(self._random.choice(small)) if small else None

    def _deleted(self, aggregate: SimulatedAggregate) -> Iterator[Notification]:
        # Nova deletes only an empty aggregate: the operator takes its hosts out first.
        for hostname in list(aggregate.hosts):
            yield from self._remove_host(aggregate, hostname)
        yield aggregate_notification("aggregate.delete.start", aggregate)
        del self.aggregates[aggregate.uuid]
        yield aggregate_notification("aggregate.delete.end", aggregate)

    # --- flavors, as nova-api reports them -----------------------------------------------

    def _catalogue(self) -> list[tuple[Flavor, dict[str, str], list[str]]]:
        """The flavors of the cloud at start-up: each one's figures, extra specs and the
        projects a private one is shared with."""
        shared = self._projects[:2]
        catalogue: list[tuple[Flavor, dict[str, str], list[str]]] = [
            (flavor, {} if flavor.name == "m1.tiny" else {"hw:cpu_policy": "shared"}, [])
            for flavor in FLAVORS
        ]
        catalogue.append(
            (
                Flavor("p1.gpu", 8, 32768, 80, is_public=False),
                {"hw:cpu_policy": "dedicated", "pci_passthrough:alias": "gpu:1"},
                shared,
            )
        )
        catalogue.append(
            (
                Flavor("p1.numa", 4, 16384, 40, is_public=False),
                {"hw:cpu_policy": "dedicated", "hw:numa_nodes": "2"},
                shared[-1:],
            )
        )
        return catalogue

    def _flavor_created(
        self, figures: Flavor, extra_specs: dict[str, str], projects: list[str]
    ) -> Iterator[Notification]:
        """``POST /flavors``, then its extra specs (one call: one ``flavor.update``), then
        each project it is shared with (one call each)."""
        flavor = SimulatedFlavor(figures)
        self.flavors[flavor.flavorid] = flavor
        yield flavor_notification("flavor.create", flavor)
        if extra_specs:
            flavor.extra_specs.update(extra_specs)
            yield flavor_notification("flavor.update", flavor)
        for project_id in projects:
            flavor.projects.append(project_id)
            yield flavor_notification("flavor.update", flavor)

    def _create_flavor(self) -> Iterator[Notification] | None:
        if len(self.flavors) >= 2 * len(FLAVORS) + 4:
            return None
        self._flavors_made += 1
        vcpus = self._random.choice((1, 2, 4, 8))
        public = self._random.random() < 0.5
        figures = Flavor(
            f"c{self._flavors_made}.custom",
            vcpus,
            vcpus * 2048,
            self._random.choice((10, 20, 40)),
            flavorid=self._uuid(),
            is_public=public,
        )
        key, value = self._random.choice(EXTRA_SPECS)
        projects = [] if public else [self._random.choice(self._projects)]
        return self._flavor_created(figures, {key: value}, projects)

    def _update_flavor(self) -> Iterator[Notification] | None:
        """An extra spec set or unset, the description changed, or, for a private flavor,
        a project's access added or removed: one API call, one ``flavor.update``."""
        if not self.flavors:
            return None
        flavor = self.flavors[self._random.choice(list(self.flavors))]
        return self._flavor_updated(flavor, self._random.random())

    def _flavor_updated(self, flavor: SimulatedFlavor, draw: float) -> Iterator[Notification]:
        if not flavor.is_public and draw < 0.3:
            project_id = self._random.choice(self._projects)
            if project_id in flavor.projects:
                flavor.projects.remove(project_id)
            else:
                flavor.projects.append(project_id)
        elif draw < 0.5:
            flavor.description = None if flavor.description else f"revised {self._now()}"
        else:
            key, value = self._random.choice(EXTRA_SPECS)
            if flavor.extra_specs.pop(key, None) is None:
                flavor.extra_specs[key] = value
        yield flavor_notification("flavor.update", flavor)

    def _delete_flavor(self) -> Iterator[Notification] | None:
        """Any flavor but the last public ones; instances built with it keep it."""
        public = [f for f in self.flavors.values() if f.is_public]
        deletable = [
            f for f in self.flavors.values()
            if not f.is_public or len(public) > PUBLIC_FLAVORS_KEPT
        ]  # fmt: skip
        if not deletable:
            return None
        return self._flavor_deleted(self._random.choice(deletable))

    def _flavor_deleted(self, flavor: SimulatedFlavor) -> Iterator[Notification]:
        del self.flavors[flavor.flavorid]
        yield flavor_notification("flavor.delete", flavor)

    # --- server groups, as nova-api reports them -----------------------------------------

    def _new_server_group(self) -> SimulatedServerGroup:
        self._groups_made += 1
        policy = POLICIES[self._groups_made % len(POLICIES)]
        rules = {}
        if policy == "anti-affinity" and self._random.random() < 0.5:
            rules[MAX_SERVER_PER_HOST] = "2"
        return SimulatedServerGroup(
            uuid=self._uuid(),
            name=f"sg-{self._groups_made:04d}",
            project_id=self._random.choice(self._projects),
            user_id="operator",
            policy=policy,
            rules=rules,
        )

    def _create_server_group(self) -> Iterator[Notification] | None:
        if len(self.server_groups) > self._groups_planned:
            return None
        return self._server_group_created(self._new_server_group())

    def _server_group_created(self, group: SimulatedServerGroup) -> Iterator[Notification]:
        self.server_groups[group.uuid] = group
        yield server_group_notification("server_group.create", group)

    def _add_member(self, group: SimulatedServerGroup, member: str) -> Notification:
        if len(group.members) >= ARCHIVED_BEYOND:
            group.members = [m for m in group.members if m in self.instances]
        group.members.append(member)
        return server_group_notification("server_group.add_member", group)

    def _delete_server_group(self) -> Iterator[Notification] | None:
        if len(self.server_groups) < self._groups_planned:
            return None
        group = self.server_groups[self._random.choice(list(self.server_groups))]
        return self._server_group_deleted(group)

    def _server_group_deleted(self, group: SimulatedServerGroup) -> Iterator[Notification]:
        # Nova deletes a group whatever its members; they go on without one.
        del self.server_groups[group.uuid]
        for member in self._live_members(group):
            member.group = None
        yield server_group_notification("server_group.delete", group)

    # --- the stream ----------------------------------------------------------------------

    def build(self) -> Iterator[Iterator[Notification]]:
        """The cloud from nothing, one iterator of notifications per element: services
        (compute hosts and a controller's other binaries), flavors, aggregates, server
        groups, then the instances."""
        controller = SimulatedHost("controller", self._uuid())
        for binary in ("nova-conductor", "nova-scheduler"):
            yield iter([self._service("service.create", controller, binary)])
        for _ in range(self.host_count):
            host = self._new_host()
            yield iter([self._service("service.create", host, "nova-compute")])
        for figures, extra_specs, projects in self._catalogue():
            yield self._flavor_created(figures, extra_specs, projects)
        yield from self._build_aggregates()
        for _ in range(self._groups_planned):
            yield self._server_group_created(self._new_server_group())
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
        if instance.host is not None:
            self._residents[instance.host] -= 1
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
        if operation in self._family_operations:
            return self._family_operations[operation]()
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
            if instance is None:
                return None
            targets = self._targets(instance, self._enabled_hosts())
            return self._unshelve(instance, self._random.choice(targets)) if targets else None
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
        targets = self._targets(instance, self._enabled_hosts(excluding=instance.host))
        if not targets:
            return None
        dest = self._random.choice(targets)
        if operation is Operation.LIVE_MIGRATE:
            return self._live_migrate(instance, dest) if instance.state == "active" else None
        flavors = self._flavors_for(instance.project_id, excluding=instance.flavor.flavorid)
        if not flavors:
            return None
        new_flavor = self._random.choice(flavors).embedded()
        confirm = operation is Operation.RESIZE_CONFIRM
        return self._resize(instance, dest, new_flavor, confirm)

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

    def truth(self) -> dict[str, dict[str, Any]]:
        """What Nova knows now, in the terms of the graph (``simulate.cloud.cloud_truth``)."""
        return cloud_truth(
            self.hosts.values(),
            self.instances.values(),
            aggregates=self.aggregates.values(),
            server_groups=self.server_groups.values(),
            flavors=self.flavors.values(),
            default_zone=self.default_zone,
        )
