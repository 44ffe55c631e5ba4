"""``(:Instance {uuid})``: a Nova server, as its notifications and ``/servers/detail`` show it.

Watcher counts an instance's disk as its root disk if image-backed (a volume-backed root is
not on the hypervisor), plus its ephemeral disk, plus its swap rounded up to GB:
``disk_gb`` is derived so (``instance_disk_gb``).

Text sizes are those of Nova's own columns, which no real notification exceeds: the
``instances`` table (``String(255)``, ``uuid`` ``String(36)``), ``instance_metadata`` and
``instance_system_metadata`` (key and value ``String(255)``; ``locked_reason`` is system
metadata) of nova/db/main/models.py, and ``flavors`` and ``flavor_extra_specs`` of
nova/db/api/models.py (``String(255)``).
"""

from __future__ import annotations

import math

from cdm_graph.schema import ElementSchema, Form, Kind, Property, Role

TEXT, INTEGER, BOOLEAN, MOMENT, CLOCK, PAIRS = (
    Kind.TEXT, Kind.INTEGER, Kind.BOOLEAN, Kind.MOMENT, Kind.CLOCK, Kind.PAIRS
)
PLACEMENT, BOOKKEEPING = Role.PLACEMENT, Role.BOOKKEEPING
# Nova's String(255) columns.
COLUMN = 255

INSTANCE = ElementSchema(
    label="Instance",
    key="uuid",
    properties=(
        Property("name", TEXT, notification="display_name", api="name", watcher="name",
                 max_length=COLUMN),
        Property("description", TEXT, notification="display_description", api="description",
                 max_length=COLUMN),
        Property("state", TEXT, notification="state", api="OS-EXT-STS:vm_state",
                 watcher="state", max_length=COLUMN, help="vm_state"),
        # The API shows nova.compute.power_state's code, notifications its name.
        Property("power_state", TEXT, notification="power_state", api="OS-EXT-STS:power_state"),
        Property("task_state", TEXT, notification="task_state", api="OS-EXT-STS:task_state",
                 max_length=COLUMN),
        Property("project_id", TEXT, notification="tenant_id", api="tenant_id",
                 watcher="project_id", max_length=COLUMN),
        Property("user_id", TEXT, notification="user_id", api="user_id", max_length=COLUMN),
        Property("availability_zone", TEXT, notification="availability_zone",
                 api="OS-EXT-AZ:availability_zone", max_length=COLUMN),
        # A volume-backed server shows "" for its image.
        Property("image_uuid", TEXT, notification="image_uuid", api="image.id",
                 empty_means_none=True, max_length=COLUMN),
        Property("key_name", TEXT, notification="key_name", api="key_name", max_length=COLUMN),
        Property("architecture", TEXT, notification="architecture", max_length=COLUMN),
        Property("locked", BOOLEAN, notification="locked", api="locked", watcher="locked"),
        # The API shows "" for an instance locked without a reason; notifications null.
        Property("locked_reason", TEXT, notification="locked_reason", api="locked_reason",
                 empty_means_none=True, max_length=COLUMN),
        Property("created_at", MOMENT, notification="created_at", api="created",
                 watcher="created"),
        Property("launched_at", MOMENT, notification="launched_at",
                 api="OS-SRV-USG:launched_at"),
        Property("terminated_at", MOMENT, notification="terminated_at",
                 api="OS-SRV-USG:terminated_at"),
        Property("updated_at", MOMENT, notification="updated_at", api="updated"),
        Property("flavor_name", TEXT, notification="flavor.name", api="flavor.original_name",
                 max_length=COLUMN),
        # Not shown once the flavor is embedded in the server (2.47).
        Property("flavor_id", TEXT, notification="flavor.flavorid", max_length=COLUMN),
        Property("vcpus", INTEGER, notification="flavor.vcpus", api="flavor.vcpus",
                 watcher="vcpus"),
        Property("memory_mb", INTEGER, notification="flavor.memory_mb", api="flavor.ram",
                 watcher="memory"),
        Property("root_gb", INTEGER, notification="flavor.root_gb", api="flavor.disk", absent=0),
        Property("ephemeral_gb", INTEGER, notification="flavor.ephemeral_gb",
                 api="flavor.ephemeral", absent=0),
        Property("swap_mb", INTEGER, notification="flavor.swap", api="flavor.swap", absent=0),
        Property("disk_gb", INTEGER, watcher="disk", derived=True,
                 help="as Watcher counts it: instance_disk_gb"),
        Property("metadata", PAIRS, notification="metadata", api="metadata",
                 watcher="metadata", max_length=COLUMN),
        Property("extra_specs", PAIRS, notification="flavor.extra_specs",
                 api="flavor.extra_specs", watcher="flavor_extra_specs", max_length=COLUMN),
        # The time and type of the event that wrote the description.
        Property("event_time", CLOCK, BOOKKEEPING),
        Property("last_event", TEXT, BOOKKEEPING),
        # Where it is (host, node, since when), and the newest authoritative and hinted
        # placements that decide it (cdm_graph.families.instance).
        Property("host", TEXT, PLACEMENT, notification="host", api="OS-EXT-SRV-ATTR:host",
                 watcher="host", max_length=COLUMN, form=Form.NAME),
        Property("node", TEXT, PLACEMENT, notification="node",
                 api="OS-EXT-SRV-ATTR:hypervisor_hostname", watcher="hypervisor_hostname",
                 max_length=COLUMN, form=Form.NAME),
        Property("host_since", CLOCK, PLACEMENT),
        Property("authoritative_at", CLOCK, PLACEMENT),
        Property("authoritative_host", TEXT, PLACEMENT),
        Property("authoritative_node", TEXT, PLACEMENT),
        Property("hinted_at", CLOCK, PLACEMENT),
        Property("hinted_host", TEXT, PLACEMENT),
        Property("hinted_node", TEXT, PLACEMENT),
    ),
    key_source=Property("uuid", TEXT, notification="uuid", api="id", max_length=36,
                        form=Form.UUID),
)

# What an event says of the instance, beside its host: the newest description wins whole.
DESCRIPTION_FIELDS: tuple[str, ...] = INSTANCE.names_of(Role.DESCRIPTION)
PLACEMENT_FIELDS: tuple[str, ...] = INSTANCE.names_of(PLACEMENT)
# Everything the batch statement upsert_instances writes.
STATE_FIELDS: tuple[str, ...] = INSTANCE.names


def instance_disk_gb(image_uuid: str | None, root_gb: int, ephemeral_gb: int, swap_mb: int) -> int:
    """Disk as Watcher counts it: a volume-backed root disk is not on the hypervisor."""
    root = root_gb if image_uuid else 0
    return root + ephemeral_gb + math.ceil(swap_mb / 1024)
