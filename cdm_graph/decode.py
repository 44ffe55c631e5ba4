"""Decode: typed access to a Nova payload, for the families' decoders; a refusal names the
exact field.

Nova's payloads are versioned objects, ``{"nova_object.name", "nova_object.version",
"nova_object.data"}``. Fields arrive over minor versions (``locked`` in InstancePayload 1.1,
``updated_at`` in 1.5, ``locked_reason`` in 1.8, ``uuid`` in ServiceStatusPayload 1.1), so every
field but the keys is optional and unknown fields are ignored. A major version the family does
not know may mean anything, so it is refused.

What the schema declares of a text field is checked as it is read: a value longer than Nova's
own column (``Property.max_length``), or not of its form (``Form``: a key that is not a UUID,
an empty host, a control character in a node's name), refuses the whole message, so that
nothing of it is written. Keys are read only through ``element_key``, which checks them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cdm_graph.schema import ElementSchema, Form, Kind, Property, Role
from cdm_graph.transport.envelope import Rejected

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\Z")
# How much of a refused value its reason shows.
_SHOWN = 40


def _shown(value: str) -> str:
    return repr(value) if len(value) <= _SHOWN else f"{value[:_SHOWN]!r}..."


def checked(value: str, where: str, max_length: int | None, form: Form) -> str:
    """``value`` of the field ``where`` if it fits ``max_length`` and ``form``; else a
    rejection naming the field."""
    if max_length is not None and len(value) > max_length:
        raise Rejected(
            f"field {where!r} is longer than {max_length} characters ({len(value)})"
        )
    if form is Form.NAME:
        if not value:
            raise Rejected(f"field {where!r} must not be empty")
        if _CONTROL.search(value):
            raise Rejected(f"field {where!r} has a control character: {_shown(value)}")
    elif form is Form.UUID and not _UUID.match(value):
        raise Rejected(f"field {where!r} must be a UUID, got {_shown(value)}")
    return value


def moment_of(text: str) -> datetime:
    """A date Nova wrote (ISO 8601, UTC where it names no zone); ValueError if it is none."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, asked of the ABC only where ``value`` is no plain dict:
    a JSON parser makes dicts, and the ABC's check costs several times the type's."""
    return type(value) is dict or isinstance(value, Mapping)


def payload_data(payload: Any, majors: frozenset[int]) -> Fields:
    """The payload's ``nova_object.data``, once its version is one of ``majors``."""
    if not _is_mapping(payload):
        raise Rejected(f"payload must be an object, got {type(payload).__name__}")
    data = payload.get("nova_object.data")
    if not _is_mapping(data):
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
        if value is None:
            if required:
                raise Rejected(f"field {self._path + name!r} is missing")
            return None
        # bool is an int in Python; Nova never sends one for the other.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join(kind.__name__ for kind in kinds)
            raise Rejected(
                f"field {self._path + name!r} must be {expected}, got {type(value).__name__}"
            )
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
            return moment_of(value)
        except ValueError as exc:
            raise Rejected(f"field {self._path + name!r} is not a date: {value!r}") from exc

    def strings(self, name: str, max_length: int | None = None) -> dict[str, str]:
        """A map of strings, each key and each value at most ``max_length`` characters."""
        value = self._get(name, (Mapping,), False) or {}
        where = f"{self._path}{name}"
        for key, item in value.items():
            if max_length is not None and len(key) > max_length:
                raise Rejected(
                    f"field {where!r} has a key longer than {max_length} characters "
                    f"({len(key)}): {_shown(key)}"
                )
            if not isinstance(item, str):
                place = f"{where}.{key}"
                raise Rejected(f"field {place!r} must be str, got {type(item).__name__}")
            if max_length is not None:
                checked(item, f"{where}.{key}", max_length, Form.FREE)
        return dict(value)

    def pairs(self, name: str, max_length: int | None = None) -> list[str]:
        """A map of strings as the graph keeps it (``Kind.PAIRS``)."""
        return key_value_pairs(self.strings(name, max_length))

    def texts(
        self, name: str, max_length: int | None = None, form: Form = Form.FREE
    ) -> list[str] | None:
        """A list of strings as the graph keeps it (``Kind.TEXTS``: sorted), each at most
        ``max_length`` characters and of ``form`` (an aggregate's hosts are names); None
        where the payload has none."""
        value = self._get(name, (list,), False)
        if value is None:
            return None
        where = f"{self._path}{name}"
        for index, item in enumerate(value):
            if not isinstance(item, str):
                place = f"{where}[{index}]"
                raise Rejected(f"field {place!r} must be str, got {type(item).__name__}")
            if max_length is not None or form is not Form.FREE:
                checked(item, f"{where}[{index}]", max_length, form)
        return sorted(value)

    def nested(self, name: str) -> Fields:
        value = self._data.get(name)
        if type(value) is not dict:  # a plain dict needs no closer look (see _is_mapping)
            value = self._get(name, (Mapping,), False)
        data = (value or {}).get("nova_object.data", {})
        if not _is_mapping(data):
            raise Rejected(f"field {self._path + name!r} has no nova_object.data object")
        return Fields(data, f"{self._path}{name}.")

    def within(self, holder: tuple[str, ...]) -> Fields:
        """The nested object at ``holder`` (``("flavor",)``); this object for ``()``."""
        fields = self
        for part in holder:
            fields = fields.nested(part)
        return fields

    def read(
        self, kind: Kind, name: str, max_length: int | None = None, form: Form = Form.FREE
    ) -> Any:
        """The field ``name`` as a value of ``kind``, within ``max_length`` and ``form``."""
        if kind is Kind.TEXT:
            value = self._data.get(name)
            if value is None:
                return None
            text: str = value if type(value) is str else self._get(name, (str,), False)
            if form is Form.FREE and (max_length is None or len(text) <= max_length):
                return text
            return checked(text, f"{self._path}{name}", max_length, form)
        if kind is Kind.INTEGER:
            return self.integer(name)
        if kind is Kind.NUMBER:
            return self.number(name)
        if kind is Kind.BOOLEAN:
            return self.boolean(name)
        if kind is Kind.MOMENT:
            return self.moment(name)
        if kind is Kind.TEXTS:
            return self.texts(name, max_length, form)
        return self.pairs(name, max_length)


def key_value_pairs(mapping: Mapping[str, Any]) -> list[str]:
    """Maps as Neo4j can hold them: sorted "key=value" strings, still filterable in Cypher
    (``WHERE 'tier=gold' IN i.metadata``)."""
    return sorted(f"{key}={value}" for key, value in mapping.items())


# What a fast reader returns for a value it does not vouch for: the field is read again by
# ``Fields.read``, which either accepts it (an int where a number is asked) or refuses it with
# the field's name.
CLOSER_LOOK: Any = object()

FastReader = Callable[[Mapping[str, Any]], Any]

# The one type a fast reader takes for a kind (a number given as an int is read closely).
_EXACT_TYPES: dict[Kind, type] = {Kind.INTEGER: int, Kind.BOOLEAN: bool, Kind.NUMBER: float}


def plain_type(kind: Kind, form: Form) -> type | None:
    """The one type every valid value of a field of ``kind`` and ``form`` has, where nothing
    but a text's length is asked of it besides (a free text, an integer, a boolean, a float);
    None where the field's fast reader is needed (a text of a form, a date, a map, a list)."""
    if kind is Kind.TEXT:
        return str if form is Form.FREE else None
    return _EXACT_TYPES.get(kind)


def fast_reader(
    kind: Kind, name: str, max_length: int | None = None, form: Form = Form.FREE
) -> FastReader:
    """What ``Fields.read`` returns for a valid field ``name``, read with no call per check;
    ``CLOSER_LOOK`` where the value needs a closer look (a wrong type, a value too long, of the
    wrong form or not a date), which ``Fields.read`` then gives, or refuses with its reason.
    Decoding is most of the synchronizer's own work a message, and nearly every field is
    valid."""
    limit = sys.maxsize if max_length is None else max_length
    if kind is Kind.TEXT:
        if form is Form.FREE:
            def text(data: Mapping[str, Any]) -> Any:
                value = data.get(name)
                if value is None or (type(value) is str and len(value) <= limit):
                    return value
                return CLOSER_LOOK
            return text
        pattern = _UUID if form is Form.UUID else None

        def formed(data: Mapping[str, Any]) -> Any:
            value = data.get(name)
            if value is None:
                return None
            if type(value) is not str or len(value) > limit:
                return CLOSER_LOOK
            if pattern is not None:
                return value if pattern.match(value) else CLOSER_LOOK
            return value if value and not _CONTROL.search(value) else CLOSER_LOOK
        return formed
    exact = _EXACT_TYPES.get(kind)
    if exact is not None:
        def typed(data: Mapping[str, Any]) -> Any:
            value = data.get(name)
            # type(), not isinstance(): a bool is an int, never what Nova sends for one.
            return value if value is None or type(value) is exact else CLOSER_LOOK
        return typed
    if kind is Kind.MOMENT:
        def moment(data: Mapping[str, Any]) -> Any:
            value = data.get(name)
            if value is None:
                return None
            if type(value) is not str:
                return CLOSER_LOOK
            try:
                return moment_of(value)
            except ValueError:
                return CLOSER_LOOK
        return moment
    if kind is Kind.PAIRS:
        def pairs(data: Mapping[str, Any]) -> Any:
            value = data.get(name)
            if value is None:
                return []
            if type(value) is not dict:
                return CLOSER_LOOK
            # key_value_pairs' strings, made as each pair is checked: one loop, not two.
            strings: list[str] = []
            for key, item in value.items():
                if (
                    type(key) is not str or type(item) is not str
                    or len(key) > limit or len(item) > limit
                ):
                    return CLOSER_LOOK
                strings.append(f"{key}={item}")
            strings.sort()
            return strings
        return pairs

    def other(data: Mapping[str, Any]) -> Any:  # lists of texts are rare: read closely
        return CLOSER_LOOK
    return other


@dataclass(frozen=True, slots=True)
class _Read:
    """How one descriptive property is read from a notification (compiled from the schema)."""

    name: str
    field: str
    kind: Kind
    empty_means_none: bool
    absent: Any
    max_length: int | None
    form: Form
    fast: FastReader
    # ``plain_type``: a value of it (within ``limit`` if a text) is what the fast reader
    # would return, and ``described`` takes it without that call.
    plain: type | None
    limit: int


_Holders = tuple[tuple[tuple[str, ...], tuple[_Read, ...]], ...]
# Compiled once per schema and per property, by id (hashing a schema costs more than reading
# a payload); each entry keeps its object, so that a new one at a freed id is compiled anew.
_READS: dict[int, tuple[ElementSchema, _Holders]] = {}
_VALUES: dict[int, tuple[Property, tuple[str, ...], str, FastReader]] = {}


def _reads(schema: ElementSchema) -> _Holders:
    """The schema's notification fields, grouped by the object holding them."""
    compiled = _READS.get(id(schema))
    if compiled is None or compiled[0] is not schema:
        compiled = _READS[id(schema)] = (schema, _compile(schema))
    return compiled[1]


def _compile(schema: ElementSchema) -> _Holders:
    holders: dict[tuple[str, ...], list[_Read]] = {}
    for prop in schema.from_notification():
        if prop.role is not Role.DESCRIPTION or prop.notification is None:
            continue
        *holder, field_name = prop.notification.split(".")
        holders.setdefault(tuple(holder), []).append(
            _Read(
                prop.name, field_name, prop.kind, prop.empty_means_none, prop.absent,
                prop.max_length, prop.form,
                fast_reader(prop.kind, field_name, prop.max_length, prop.form),
                plain_type(prop.kind, prop.form),
                sys.maxsize if prop.max_length is None else prop.max_length,
            )
        )
    return tuple((holder, tuple(reads)) for holder, reads in holders.items())


def described(
    schema: ElementSchema, data: Fields, into: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every descriptive property of ``schema`` a notification carries, read from its
    declared field with its declared type; derived ones are left to the family. Set in
    ``into`` where given (a dict whose keys are already in the order the family keeps: each
    stays in its place), else in a new dict, in the order they are read."""
    properties: dict[str, Any] = {} if into is None else into
    for holder, reads in _reads(schema):
        fields = data.within(holder)
        raw = fields._data
        for read in reads:
            # Most fields are plain (``plain_type``) and valid: such a value is taken here, a
            # call each saved (a message has some twenty); any other goes to the fast reader.
            value = raw.get(read.field)
            plain = read.plain
            if plain is None or (
                value is not None
                and (type(value) is not plain or (type(value) is str and len(value) > read.limit))
            ):
                value = read.fast(raw)
                if value is CLOSER_LOOK:
                    value = fields.read(read.kind, read.field, read.max_length, read.form)
            if value is None or (read.empty_means_none and value == ""):
                value = read.absent
            properties[read.name] = value
    return properties


def value_of(prop: Property, data: Fields) -> Any:
    """One property read from its declared notification field, with its declared checks."""
    compiled = _VALUES.get(id(prop))
    if compiled is None or compiled[0] is not prop:
        if prop.notification is None:
            raise ValueError(f"{prop.name} is not read from notifications")
        *path, field_name = prop.notification.split(".")
        compiled = _VALUES[id(prop)] = (
            prop, tuple(path), field_name,
            fast_reader(prop.kind, field_name, prop.max_length, prop.form),
        )
    _, holder, name, fast = compiled
    fields = data.within(holder)
    value = fast(fields._data)
    if value is CLOSER_LOOK:
        value = fields.read(prop.kind, name, prop.max_length, prop.form)
    return value


def element_key(schema: ElementSchema, data: Fields) -> str:
    """The element's key, from the field ``schema.key_source`` declares: required, and of
    its declared length and form (an instance's uuid a UUID, a host's name not empty)."""
    key: str | None = value_of(schema.key_source, data)
    if key is None:
        raise Rejected(f"field {schema.key_source.notification!r} is missing")
    return key
