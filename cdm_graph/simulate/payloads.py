"""The versioned payloads Nova sends, built from the simulated cloud's records.

Each has the object name, version and fields of Nova's own samples
(``shared/fixtures/nova-notification-samples``; ``tests/unit/test_simulate.py`` compares
them): InstanceActionPayload 1.9, InstanceCreatePayload 1.13, InstanceUpdatePayload 2.1,
ServiceStatusPayload 1.1, FlavorPayload 1.4, AggregatePayload 1.1, ServerGroupPayload 1.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cdm_graph.simulate.cloud import (
    Flavor,
    SimulatedAggregate,
    SimulatedFlavor,
    SimulatedHost,
    SimulatedServerGroup,
)

NOVA_OBJECT = "nova_object"
# Who publishes what the API does (aggregates, flavors, server groups): nova-api on the
# controller, as Nova's publisher ids name it.
API_PUBLISHER = "nova-api:controller"


@dataclass(frozen=True, slots=True)
class Notification:
    """What Nova hands to oslo.messaging's Notifier."""

    publisher_id: str
    event_type: str
    payload: dict[str, Any]
    priority: str = "INFO"


def nova_object(name: str, version: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{NOVA_OBJECT}.name": name,
        f"{NOVA_OBJECT}.namespace": "nova",
        f"{NOVA_OBJECT}.version": version,
        f"{NOVA_OBJECT}.data": data,
    }


def nova_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def embedded_flavor(flavor: Flavor) -> dict[str, Any]:
    """The flavor an instance payload embeds: the figures it was built with. Nova does not
    load an instance's flavor's projects, so they are null."""
    return nova_object(
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
            "extra_specs": dict(flavor.extra_specs),
            "projects": None,
            "swap": flavor.swap,
            "is_public": flavor.is_public,
            "vcpu_weight": 0,
            "description": flavor.description,
        },
    )


def flavor_notification(event_type: str, flavor: SimulatedFlavor) -> Notification:
    """``flavor.create``, ``flavor.update`` or ``flavor.delete``, as Nova's samples show
    them: a new flavor has no extra specs loaded yet (null) and no projects ([]); a deleted
    one has neither loaded (null)."""
    figures = flavor.figures
    extra_specs: dict[str, str] | None = dict(flavor.extra_specs)
    projects: list[str] | None = list(flavor.projects)
    if event_type == "flavor.create":
        extra_specs, projects = None, []
    elif event_type == "flavor.delete":
        extra_specs, projects = None, None
    data = {
        "name": figures.name,
        "memory_mb": figures.memory_mb,
        "ephemeral_gb": figures.ephemeral_gb,
        "disabled": False,
        "vcpus": figures.vcpus,
        "swap": figures.swap,
        "rxtx_factor": 1.0,
        "is_public": figures.is_public,
        "root_gb": figures.root_gb,
        "vcpu_weight": 0,
        "flavorid": figures.flavorid,
        "extra_specs": extra_specs,
        "projects": projects,
        "description": flavor.description,
    }
    return Notification(API_PUBLISHER, event_type, nova_object("FlavorPayload", "1.4", data))


def aggregate_notification(
    event_type: str, aggregate: SimulatedAggregate, *, created: bool = True
) -> Notification:
    """An ``aggregate.*`` event: the aggregate's whole host list and metadata. Before it is
    created (``aggregate.create.start``) it has neither hosts nor an id yet."""
    data = {
        "name": aggregate.name,
        "metadata": dict(aggregate.metadata),
        "uuid": aggregate.uuid,
        "hosts": list(aggregate.hosts) if created else None,
        "id": aggregate.id if created else None,
    }
    return Notification(API_PUBLISHER, event_type, nova_object("AggregatePayload", "1.1", data))


def server_group_notification(event_type: str, group: SimulatedServerGroup) -> Notification:
    """A ``server_group.*`` event: the group's whole member list, its policy in both
    versions' fields (1.0's ``policies``, 1.1's ``policy``), and ``hosts``, which Nova never
    fills in."""
    data = {
        "uuid": group.uuid,
        "name": group.name,
        "project_id": group.project_id,
        "user_id": group.user_id,
        "policies": [group.policy],
        "policy": group.policy,
        "rules": dict(group.rules),
        "members": list(group.members),
        "hosts": None,
    }
    return Notification(API_PUBLISHER, event_type, nova_object("ServerGroupPayload", "1.1", data))


def service_notification(
    event_type: str, host: SimulatedHost, binary: str, last_seen_up: str
) -> Notification:
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
        "last_seen_up": last_seen_up,
        "report_count": 1,
    }
    return Notification(
        f"{binary}:{host.hostname}",
        event_type,
        nova_object("ServiceStatusPayload", "1.1", data),
    )
