"""Decode: a Nova notification (envelope and payload) to a typed event, or a clear refusal.

Nova's payloads are versioned objects, ``{"nova_object.name", "nova_object.version",
"nova_object.data"}``. Fields arrive over minor versions (``locked`` in InstancePayload 1.1,
``updated_at`` in 1.5, ``locked_reason`` in 1.8, ``uuid`` in ServiceStatusPayload 1.1), so every
field but the keys is optional and unknown fields are ignored. A major version we do not know
may mean anything, so it is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cdm_graph.mapping import NOTIFICATION_MAPPING, Action, Element, HostEvidence

# InstanceUpdatePayload went to 2.x; the others of the family are 1.x.
SUPPORTED_MAJOR_VERSIONS: Mapping[Element, frozenset[int]] = {
    Element.INSTANCE: frozenset({1, 2}),
    Element.COMPUTE_NODE: frozenset({1}),
}
NOVA_COMPUTE = "nova-compute"


class Rejected(ValueError):
    """A message that cannot be applied: it is set aside with this reason."""


class Skipped(Exception):
    """A well-formed message that has nothing to do with the compute data model."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One notification as oslo.messaging hands it over."""

    event_type: str
    payload: Any
    time: datetime
    publisher_id: str = ""
    priority: str = "INFO"
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class InstanceEvent:
    """An instance as one event describes it; ``properties`` has every key of
    ``INSTANCE_FIELDS`` (None where the payload has no value). A reconcile's event lacks the
    keys its API does not show: the graph keeps what it holds for those."""

    event_type: str
    time: datetime
    uuid: str
    action: Action
    host_evidence: HostEvidence
    host: str | None = None
    node: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ComputeNodeEvent:
    event_type: str
    time: datetime
    hostname: str
    action: Action
    properties: Mapping[str, Any] = field(default_factory=dict)


Event = InstanceEvent | ComputeNodeEvent

# What an instance event says of the instance, beside its host. The graph stores these
# under the same names (cypher/write/upsert_instances.cypher).
INSTANCE_FIELDS: tuple[str, ...] = (
    "name", "description", "state", "power_state", "task_state", "project_id", "user_id",
    "availability_zone", "image_uuid", "key_name", "architecture", "locked", "locked_reason",
    "created_at", "launched_at", "terminated_at", "updated_at", "flavor_name", "flavor_id",
    "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "swap_mb", "disk_gb", "metadata",
    "extra_specs",
)
# What a nova-compute service event says of its compute node
# (cypher/write/upsert_compute_nodes.cypher).
COMPUTE_NODE_FIELDS: tuple[str, ...] = (
    "status", "state", "disabled_reason", "forced_down", "availability_zone",
    "service_uuid", "service_version", "last_seen_up",
)


def parse_event_time(value: Any) -> datetime:
    """oslo.messaging's ``metadata['timestamp']``: naive UTC ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise Rejected(f"timestamp {value!r} is not an ISO date and time") from exc
    else:
        raise Rejected(f"timestamp must be a string, got {type(value).__name__}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def decode(envelope: Envelope) -> Event:
    """Turn one notification into an event; raise ``Skipped`` or ``Rejected`` with the reason."""
    rule = NOTIFICATION_MAPPING.get(envelope.event_type)
    if rule is None:
        raise Skipped(f"event type {envelope.event_type!r} does not change the graph")
    data = _payload_data(envelope.payload, rule.element)
    if rule.element is Element.COMPUTE_NODE:
        return _compute_node_event(envelope, rule.action, data)
    return _instance_event(envelope, rule.action, rule.host, data)


def _payload_data(payload: Any, element: Element) -> _Fields:
    if not isinstance(payload, Mapping):
        raise Rejected(f"payload must be an object, got {type(payload).__name__}")
    data = payload.get("nova_object.data")
    if not isinstance(data, Mapping):
        raise Rejected("payload has no nova_object.data object")
    version = payload.get("nova_object.version")
    if not isinstance(version, str):
        raise Rejected("payload has no nova_object.version")
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise Rejected(f"payload version {version!r} is not MAJOR.MINOR")
    if int(major) not in SUPPORTED_MAJOR_VERSIONS[element]:
        name = payload.get("nova_object.name", "payload")
        raise Rejected(f"unknown major version {version} of {name}")
    return _Fields(data, "")


class _Fields:
    """Typed access to a nova_object.data mapping; a wrong type is a rejection naming the field."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self._data = data
        self._path = path

    def _get(self, name: str, kinds: tuple[type, ...], required: bool) -> Any:
        value = self._data.get(name)
        where = f"{self._path}{name}"
        if value is None:
            if required:
                raise Rejected(f"field {where!r} is missing")
            return None
        # bool is an int in Python; Nova never sends one for the other.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join(kind.__name__ for kind in kinds)
            raise Rejected(f"field {where!r} must be {expected}, got {type(value).__name__}")
        return value

    def text(self, name: str, required: bool = False) -> str | None:
        return self._get(name, (str,), required)

    def integer(self, name: str) -> int | None:
        return self._get(name, (int,), False)

    def number(self, name: str) -> float | None:
        value = self._get(name, (int, float), False)
        return None if value is None else float(value)

    def boolean(self, name: str) -> bool | None:
        return self._get(name, (bool,), False)

    def moment(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Rejected(f"field {self._path}{name!r} is not a date: {value!r}") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def strings(self, name: str) -> dict[str, str]:
        value = self._get(name, (Mapping,), False) or {}
        for key, item in value.items():
            if not isinstance(item, str):
                raise Rejected(f"field {self._path}{name}.{key!r} must be str")
        return dict(value)

    def nested(self, name: str) -> _Fields:
        value = self._get(name, (Mapping,), False) or {}
        data = value.get("nova_object.data", {})
        if not isinstance(data, Mapping):
            raise Rejected(f"field {self._path}{name!r} has no nova_object.data object")
        return _Fields(data, f"{self._path}{name}.")


def instance_disk_gb(image_uuid: str | None, root_gb: int, ephemeral_gb: int, swap_mb: int) -> int:
    """Disk as Watcher counts it: a volume-backed root disk is not on the hypervisor."""
    root = root_gb if image_uuid else 0
    return root + ephemeral_gb + math.ceil(swap_mb / 1024)


def _pairs(mapping: Mapping[str, str]) -> list[str]:
    return sorted(f"{key}={value}" for key, value in mapping.items())


def _instance_event(
    envelope: Envelope, action: Action, evidence: HostEvidence, data: _Fields
) -> InstanceEvent:
    uuid = data.text("uuid", required=True)
    assert uuid is not None
    host, node = data.text("host"), data.text("node")
    flavor = data.nested("flavor")
    image_uuid = data.text("image_uuid") or None
    root_gb = flavor.integer("root_gb") or 0
    ephemeral_gb = flavor.integer("ephemeral_gb") or 0
    swap_mb = flavor.integer("swap") or 0
    properties: dict[str, Any] = {
        "name": data.text("display_name"),
        "description": data.text("display_description"),
        "state": data.text("state"),
        "power_state": data.text("power_state"),
        "task_state": data.text("task_state"),
        "project_id": data.text("tenant_id"),
        "user_id": data.text("user_id"),
        "availability_zone": data.text("availability_zone"),
        "image_uuid": image_uuid,
        "key_name": data.text("key_name"),
        "architecture": data.text("architecture"),
        "locked": data.boolean("locked"),
        "locked_reason": data.text("locked_reason"),
        "created_at": data.moment("created_at"),
        "launched_at": data.moment("launched_at"),
        "terminated_at": data.moment("terminated_at"),
        "updated_at": data.moment("updated_at"),
        "flavor_name": flavor.text("name"),
        "flavor_id": flavor.text("flavorid"),
        "vcpus": flavor.integer("vcpus"),
        "memory_mb": flavor.integer("memory_mb"),
        "root_gb": root_gb,
        "ephemeral_gb": ephemeral_gb,
        "swap_mb": swap_mb,
        "disk_gb": instance_disk_gb(image_uuid, root_gb, ephemeral_gb, swap_mb),
    }
    # Neo4j properties cannot hold maps: "key=value" lists stay filterable in Cypher,
    # e.g. WHERE 'tier=gold' IN i.metadata.
    properties["metadata"] = _pairs(data.strings("metadata"))
    properties["extra_specs"] = _pairs(flavor.strings("extra_specs"))
    return InstanceEvent(
        event_type=envelope.event_type,
        time=envelope.time,
        uuid=uuid,
        action=action,
        host_evidence=evidence,
        host=host,
        node=node,
        properties=properties,
    )


def _compute_node_event(envelope: Envelope, action: Action, data: _Fields) -> ComputeNodeEvent:
    binary = data.text("binary", required=True)
    hostname = data.text("host", required=True)
    assert hostname is not None
    if binary != NOVA_COMPUTE:
        raise Skipped(f"{envelope.event_type} of {binary} on {hostname}: not a compute node")
    forced_down = data.boolean("forced_down") or False
    disabled = data.boolean("disabled") or False
    properties: dict[str, Any] = {
        "status": "disabled" if disabled else "enabled",
        "state": "down" if forced_down else "up",
        "disabled_reason": data.text("disabled_reason"),
        "forced_down": forced_down,
        "availability_zone": data.text("availability_zone"),
        "service_uuid": data.text("uuid"),
        "service_version": data.integer("version"),
        "last_seen_up": data.moment("last_seen_up"),
    }
    return ComputeNodeEvent(
        event_type=envelope.event_type,
        time=envelope.time,
        hostname=hostname,
        action=action,
        properties=properties,
    )
