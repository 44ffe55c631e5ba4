"""``(:ComputeNode {hostname})``: a nova-compute service and its hypervisor.

Service events (and ``/os-services``) describe the service; only the APIs show the
hypervisor and its capacity (``/os-hypervisors/detail`` and Placement's inventories), which
a reconcile writes under a clock of its own, ``capacity_time``. A compute node known only
from instance events is a stub: ``described`` is false and it has nothing else.

Text sizes are those of Nova's ``services`` columns (nova/db/main/models.py: ``host``,
``disabled_reason`` ``String(255)``, ``uuid`` ``String(36)``) and of the aggregate metadata
value an availability zone is (nova/db/api/models.py, ``String(255)``).
"""

from __future__ import annotations

from cdm_graph.schema import ElementSchema, Form, Kind, Property, Role

TEXT, INTEGER, NUMBER, BOOLEAN, MOMENT, CLOCK = (
    Kind.TEXT, Kind.INTEGER, Kind.NUMBER, Kind.BOOLEAN, Kind.MOMENT, Kind.CLOCK
)
BOOKKEEPING, CAPACITY = Role.BOOKKEEPING, Role.CAPACITY
# Nova's String(255) columns.
COLUMN = 255

COMPUTE_NODE = ElementSchema(
    label="ComputeNode",
    key="hostname",
    properties=(
        # ServiceStatusPayload's disabled and forced_down, as Watcher's status and state.
        Property("status", TEXT, api="status", watcher="status", derived=True,
                 help="enabled or disabled"),
        Property("state", TEXT, api="state", watcher="state", derived=True, help="up or down"),
        Property("disabled_reason", TEXT, notification="disabled_reason",
                 api="disabled_reason", watcher="disabled_reason", max_length=COLUMN),
        Property("forced_down", BOOLEAN, notification="forced_down", api="forced_down",
                 absent=False),
        Property("availability_zone", TEXT, notification="availability_zone", api="zone",
                 max_length=COLUMN),
        Property("service_uuid", TEXT, notification="uuid", api="id", max_length=36),
        # Not shown by /os-services.
        Property("service_version", INTEGER, notification="version"),
        Property("last_seen_up", MOMENT, notification="last_seen_up", api="updated_at"),
        Property("service_event_time", CLOCK, BOOKKEEPING),
        Property("last_event", TEXT, BOOKKEEPING),
        Property("described", BOOLEAN, BOOKKEEPING,
                 help="false while known only from instance events (a stub)"),
        # The hypervisor, from /os-hypervisors/detail (2.53) and Placement.
        Property("uuid", TEXT, CAPACITY, api="hypervisor.id", watcher="uuid"),
        Property("hypervisor_hostname", TEXT, CAPACITY, api="hypervisor.hypervisor_hostname",
                 watcher="hypervisor_hostname"),
        Property("vcpus", INTEGER, CAPACITY, api="VCPU.total", watcher="vcpus"),
        Property("vcpu_reserved", INTEGER, CAPACITY, api="VCPU.reserved",
                 watcher="vcpu_reserved"),
        Property("vcpu_ratio", NUMBER, CAPACITY, api="VCPU.allocation_ratio",
                 watcher="vcpu_ratio"),
        Property("memory_mb", INTEGER, CAPACITY, api="MEMORY_MB.total", watcher="memory"),
        Property("memory_mb_reserved", INTEGER, CAPACITY, api="MEMORY_MB.reserved",
                 watcher="memory_mb_reserved"),
        Property("memory_ratio", NUMBER, CAPACITY, api="MEMORY_MB.allocation_ratio",
                 watcher="memory_ratio"),
        Property("disk_gb", INTEGER, CAPACITY, api="DISK_GB.total", watcher="disk"),
        Property("disk_gb_reserved", INTEGER, CAPACITY, api="DISK_GB.reserved",
                 watcher="disk_gb_reserved"),
        Property("disk_ratio", NUMBER, CAPACITY, api="DISK_GB.allocation_ratio",
                 watcher="disk_ratio"),
        Property("capacity_time", CLOCK, Role.BOOKKEEPING,
                 help="when the listing the capacity comes from began"),
    ),
    # The nova-compute service's host: what every instance event names as its host.
    key_source=Property("hostname", TEXT, notification="host", api="host", max_length=COLUMN,
                        form=Form.NAME),
)

# What a nova-compute service event says of its compute node.
DESCRIPTION_FIELDS: tuple[str, ...] = COMPUTE_NODE.names_of(Role.DESCRIPTION)
# What service events write (cypher/batch/compute_node/upsert.cypher), beside described.
SERVICE_FIELDS: tuple[str, ...] = (*DESCRIPTION_FIELDS, "service_event_time", "last_event")
# What a reconcile writes of the hypervisor (cypher/reconcile/upsert_capacity.cypher).
HYPERVISOR_FIELDS: tuple[str, ...] = COMPUTE_NODE.names_of(CAPACITY)

# Capacity as Watcher computes it, per resource: (total - reserved) * allocation ratio.
RESOURCES: dict[str, tuple[str, str, str]] = {
    "vcpu": ("vcpus", "vcpu_reserved", "vcpu_ratio"),
    "memory": ("memory_mb", "memory_mb_reserved", "memory_ratio"),
    "disk": ("disk_gb", "disk_gb_reserved", "disk_ratio"),
}


def capacity(total: float, reserved: float, ratio: float) -> float:
    """One resource's capacity as Watcher computes it."""
    return (total - reserved) * ratio
