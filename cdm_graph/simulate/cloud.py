"""The simulated cloud's records, as Nova's databases hold them, and the truth they make.

The truth is what Nova knows, in the terms of the graph (``tests/cypher/truth_view.cypher``
reads the graph back in the same terms): compute nodes, instances (with the flavor each was
built with), aggregates, availability zones, server groups and flavors. Every list in it is
sorted, every map is a sorted ``key=value`` list, as the graph stores them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# Nova's [DEFAULT] default_availability_zone: the zone of a host no zone aggregate holds.
DEFAULT_ZONE = "nova"
# The aggregate metadata key that makes an aggregate an availability zone.
AVAILABILITY_ZONE = "availability_zone"
# The policies Nova defines for a server group (ServerGroupPayload 1.1's policy).
POLICIES: tuple[str, ...] = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
# The one rule Nova takes, for anti-affinity only (microversion 2.64).
MAX_SERVER_PER_HOST = "max_server_per_host"


def pairs(mapping: Mapping[str, str]) -> list[str]:
    """A map as the graph stores it: a sorted list of ``key=value``."""
    return sorted(f"{key}={value}" for key, value in mapping.items())


@dataclass(frozen=True, slots=True)
class Flavor:
    """A flavor's figures, as an instance embeds them: what it was built with. The instance
    keeps them whatever happens to the flavor afterwards (an update, a deletion)."""

    name: str
    vcpus: int
    memory_mb: int
    root_gb: int
    ephemeral_gb: int = 0
    swap: int = 0
    # Empty: derived from the name, the same whatever the seed.
    flavorid: str = ""
    is_public: bool = True
    extra_specs: tuple[tuple[str, str], ...] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        if not self.flavorid:
            flavorid = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"flavor.{self.name}"))
            object.__setattr__(self, "flavorid", flavorid)


FLAVORS: tuple[Flavor, ...] = (
    Flavor("m1.tiny", 1, 512, 1),
    Flavor("m1.small", 1, 2048, 20),
    Flavor("m1.medium", 2, 4096, 40),
    Flavor("m1.large", 4, 8192, 80, ephemeral_gb=10, swap=1024),
    Flavor("m1.xlarge", 8, 16384, 160),
)


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
    # The server group it was created into, while the group exists.
    group: str | None = None


@dataclass(slots=True)
class SimulatedHost:
    hostname: str
    service_uuid: str
    disabled: bool = False
    disabled_reason: str | None = None


@dataclass(slots=True)
class SimulatedFlavor:
    """A flavor as Nova's API database holds it. Its figures never change (Nova has no way
    to resize a flavor); its extra specs, its access and its description do."""

    figures: Flavor
    # The projects a private flavor is shared with ([] for a public one).
    projects: list[str] = field(default_factory=list)
    extra_specs: dict[str, str] = field(default_factory=dict)
    description: str | None = None

    @property
    def flavorid(self) -> str:
        return self.figures.flavorid

    @property
    def is_public(self) -> bool:
        return self.figures.is_public

    def usable_by(self, project_id: str) -> bool:
        return self.is_public or project_id in self.projects

    def embedded(self) -> Flavor:
        """The figures an instance built now embeds: the flavor as it is at that moment."""
        return replace(
            self.figures,
            extra_specs=tuple(sorted(self.extra_specs.items())),
            description=self.description,
        )


@dataclass(slots=True)
class SimulatedAggregate:
    id: int
    uuid: str
    name: str
    metadata: dict[str, str] = field(default_factory=dict)
    # In the order they were added, as Nova lists them.
    hosts: list[str] = field(default_factory=list)

    @property
    def zone(self) -> str | None:
        return self.metadata.get(AVAILABILITY_ZONE)


@dataclass(slots=True)
class SimulatedServerGroup:
    uuid: str
    name: str
    project_id: str
    user_id: str
    policy: str
    rules: dict[str, str] = field(default_factory=dict)
    # As Nova's API database lists them: a deleted instance stays a member until its rows
    # are archived (Nova's API cannot remove a member, and sends nothing when it goes).
    members: list[str] = field(default_factory=list)


def zones_of(
    hostnames: Iterable[str], aggregates: Iterable[SimulatedAggregate], default_zone: str
) -> dict[str, list[str]]:
    """Each availability zone and its hosts, sorted: a host's zones are those of the
    aggregates holding it, or the default zone when none has one."""
    zoned: dict[str, set[str]] = {}
    for aggregate in aggregates:
        if aggregate.zone is not None:
            for hostname in aggregate.hosts:
                zoned.setdefault(hostname, set()).add(aggregate.zone)
    zones: dict[str, list[str]] = {}
    for hostname in sorted(hostnames):
        for zone in sorted(zoned.get(hostname, {default_zone})):
            zones.setdefault(zone, []).append(hostname)
    return dict(sorted(zones.items()))


def cloud_truth(
    hosts: Iterable[SimulatedHost],
    instances: Iterable[SimulatedInstance],
    *,
    aggregates: Iterable[SimulatedAggregate] = (),
    server_groups: Iterable[SimulatedServerGroup] = (),
    flavors: Iterable[SimulatedFlavor] = (),
    default_zone: str = DEFAULT_ZONE,
) -> dict[str, dict[str, Any]]:
    """What Nova knows of a cloud, in the terms of the graph (``truth_view.cypher``).

    An aggregate's ``hosts`` is its host list and ``contains`` the compute nodes it holds
    (the same here: Nova takes a host out of every aggregate before deleting its service).
    A server group's ``members`` is its member list, deleted instances included, and
    ``has_member`` its live members. A flavor no flavor event describes any longer (deleted)
    stays, as a stub, while a live instance was built with it.
    """
    host_by_name = {host.hostname: host for host in hosts}
    instance_by_uuid = {instance.uuid: instance for instance in instances}
    aggregate_list = list(aggregates)
    described = {flavor.flavorid: flavor for flavor in flavors}
    named = {instance.flavor.flavorid for instance in instance_by_uuid.values()}
    flavor_truth: dict[str, dict[str, Any]] = {
        flavorid: {"described": False} for flavorid in named - described.keys()
    }
    for flavorid, flavor in described.items():
        figures = flavor.figures
        flavor_truth[flavorid] = {
            "described": True,
            "name": figures.name,
            "vcpus": figures.vcpus,
            "memory_mb": figures.memory_mb,
            "root_gb": figures.root_gb,
            "ephemeral_gb": figures.ephemeral_gb,
            "swap": figures.swap,
            "rxtx_factor": 1.0,
            "vcpu_weight": 0,
            "disabled": False,
            "is_public": figures.is_public,
            "projects": sorted(flavor.projects),
            "extra_specs": pairs(flavor.extra_specs),
            "description": flavor.description,
        }
    return {
        "compute_nodes": {
            name: {
                "status": "disabled" if host.disabled else "enabled",
                "disabled_reason": host.disabled_reason,
            }
            for name, host in sorted(host_by_name.items())
        },
        "instances": {
            key: {
                "host": instance.host,
                "state": instance.state,
                "power_state": instance.power_state,
                "flavor_name": instance.flavor.name,
                "vcpus": instance.flavor.vcpus,
                "memory_mb": instance.flavor.memory_mb,
                "flavorid": instance.flavor.flavorid,
            }
            for key, instance in sorted(instance_by_uuid.items())
        },
        "aggregates": {
            aggregate.uuid: {
                "id": aggregate.id,
                "name": aggregate.name,
                "metadata": pairs(aggregate.metadata),
                "availability_zone": aggregate.zone,
                "hosts": sorted(aggregate.hosts),
                "contains": sorted(aggregate.hosts),
            }
            for aggregate in sorted(aggregate_list, key=lambda aggregate: aggregate.uuid)
        },
        "zones": {
            zone: {"hosts": members}
            for zone, members in zones_of(host_by_name, aggregate_list, default_zone).items()
        },
        "server_groups": {
            group.uuid: {
                "name": group.name,
                "project_id": group.project_id,
                "user_id": group.user_id,
                "policy": group.policy,
                "rules": pairs(group.rules),
                "members": sorted(group.members),
                "has_member": sorted(m for m in group.members if m in instance_by_uuid),
            }
            for group in sorted(server_groups, key=lambda group: group.uuid)
        },
        "flavors": dict(sorted(flavor_truth.items())),
    }
