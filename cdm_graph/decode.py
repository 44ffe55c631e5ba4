"""Decode: typed access to a Nova payload, for the families' decoders; a refusal names the
exact field.

Nova's payloads are versioned objects, ``{"nova_object.name", "nova_object.version",
"nova_object.data"}``. Fields arrive over minor versions (``locked`` in InstancePayload 1.1,
``updated_at`` in 1.5, ``locked_reason`` in 1.8, ``uuid`` in ServiceStatusPayload 1.1), so every
field but the keys is optional and unknown fields are ignored. A major version the family does
not know may mean anything, so it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cdm_graph.schema import ElementSchema, Kind, Role
from cdm_graph.transport.envelope import Rejected


def payload_data(payload: Any, majors: frozenset[int]) -> Fields:
    """The payload's ``nova_object.data``, once its version is one of ``majors``."""
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
    if int(major) not in majors:
        name = payload.get("nova_object.name", "payload")
        raise Rejected(f"unknown major version {version} of {name}")
    return Fields(data, "")


class Fields:
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
        value: str | None = self._get(name, (str,), required)
        return value

    def key(self, name: str) -> str:
        """A required text field: an element's key."""
        value: str = self._get(name, (str,), True)
        return value

    def integer(self, name: str) -> int | None:
        value: int | None = self._get(name, (int,), False)
        return value

    def number(self, name: str) -> float | None:
        value = self._get(name, (int, float), False)
        return None if value is None else float(value)

    def boolean(self, name: str) -> bool | None:
        value: bool | None = self._get(name, (bool,), False)
        return value

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

    def pairs(self, name: str) -> list[str]:
        """A map of strings as the graph keeps it (``Kind.PAIRS``)."""
        return key_value_pairs(self.strings(name))

    def nested(self, name: str) -> Fields:
        value = self._get(name, (Mapping,), False) or {}
        data = value.get("nova_object.data", {})
        if not isinstance(data, Mapping):
            raise Rejected(f"field {self._path}{name!r} has no nova_object.data object")
        return Fields(data, f"{self._path}{name}.")

    def at(self, path: str) -> tuple[Fields, str]:
        """The object holding a dotted path's last field (``flavor.vcpus``), and that field."""
        *objects, name = path.split(".")
        fields = self
        for part in objects:
            fields = fields.nested(part)
        return fields, name

    def read(self, kind: Kind, name: str) -> Any:
        if kind is Kind.TEXT:
            # The most common kind, checked inline.
            value = self._data.get(name)
            if value is None or type(value) is str:
                return value
            return self.text(name)
        if kind is Kind.INTEGER:
            return self.integer(name)
        if kind is Kind.NUMBER:
            return self.number(name)
        if kind is Kind.BOOLEAN:
            return self.boolean(name)
        if kind is Kind.MOMENT:
            return self.moment(name)
        return self.pairs(name)


def key_value_pairs(mapping: Mapping[str, Any]) -> list[str]:
    """Maps as Neo4j can hold them: sorted "key=value" strings, still filterable in Cypher
    (``WHERE 'tier=gold' IN i.metadata``)."""
    return sorted(f"{key}={value}" for key, value in mapping.items())


@dataclass(frozen=True, slots=True)
class _Read:
    """How one descriptive property is read from a notification (compiled from the schema)."""

    name: str
    holder: str  # the nested object holding the field ("" for the payload itself)
    field: str
    kind: Kind
    empty_means_none: bool
    absent: Any


_READS: dict[int, tuple[tuple[str, tuple[_Read, ...]], ...]] = {}


def _reads(schema: ElementSchema) -> tuple[tuple[str, tuple[_Read, ...]], ...]:
    """The schema's notification fields, grouped by the object holding them (compiled once
    per schema: hashing a schema costs more than reading a payload)."""
    compiled = _READS.get(id(schema))
    if compiled is None:
        compiled = _READS[id(schema)] = _compile(schema)
    return compiled


def _compile(schema: ElementSchema) -> tuple[tuple[str, tuple[_Read, ...]], ...]:
    holders: dict[str, list[_Read]] = {}
    for prop in schema.from_notification():
        if prop.role is not Role.DESCRIPTION or prop.notification is None:
            continue
        holder, _, field_name = prop.notification.rpartition(".")
        holders.setdefault(holder, []).append(
            _Read(prop.name, holder, field_name, prop.kind, prop.empty_means_none, prop.absent)
        )
    return tuple((holder, tuple(reads)) for holder, reads in holders.items())


def described(schema: ElementSchema, data: Fields) -> dict[str, Any]:
    """Every descriptive property of ``schema`` a notification carries, read from its
    declared field with its declared type; derived ones are left to the family."""
    properties: dict[str, Any] = {}
    for holder, reads in _reads(schema):
        fields = data.at(f"{holder}.x")[0] if holder else data
        for read in reads:
            value = fields.read(read.kind, read.field)
            if read.empty_means_none and value == "":
                value = None
            properties[read.name] = read.absent if value is None else value
    return properties
