"""Each element of the graph, declared once: its properties, their types, where each comes
from in a notification and in the APIs a reconcile lists, and its name in Watcher's model.

Everything else derives from these declarations or is tested against them: the decoders
(``cdm_graph.families``) read the notification fields named here, the listing
(``cdm_graph.reconcile.listing``) reads the API fields named here, the Cypher ``SET`` lists of
``cypher/batch`` are checked against them by a test, and so are the client's read models.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.Enum):
    """A property's type in the graph."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    # A UTC date and time Nova reports (Neo4j DateTime), e.g. an instance's created_at.
    MOMENT = "moment"
    # A time Nova's clock decides on (event times, placements, deletions), with what breaks a
    # tie of times (``cdm_graph.plan.clock.Stamp``). Stored as ``<name>`` (Neo4j
    # LocalDateTime, UTC) for analysts and the Browser, and for the guards, which read only
    # these, as ``<name>_us`` (integer microseconds since the epoch), ``<name>_rank`` (the
    # fact's precedence at one microsecond) and ``<name>_id`` (its message's id): no temporal
    # value crosses the driver on the hot path.
    CLOCK = "clock"
    # A map, stored as a sorted list of "key=value" strings: Neo4j properties cannot hold maps,
    # and a list stays filterable (WHERE 'tier=gold' IN i.metadata).
    PAIRS = "pairs"
    # A list of texts, stored sorted (a flavor's projects): order carries nothing.
    TEXTS = "texts"


# The properties beside a clock that store its stamp, in the order a guard's read returns them.
STAMP_SUFFIXES: tuple[str, ...] = ("_us", "_rank", "_id")


class Form(enum.Enum):
    """What a text value must look like, beyond its length."""

    # Anything Nova's column holds.
    FREE = "free"
    # A name other elements refer to (a host, a node): not empty, no control characters.
    NAME = "name"
    # A UUID in its canonical form (8-4-4-4-12 lowercase hexadecimal digits), as Nova generates
    # them and its API shows them: another spelling would make a second element of one server.
    UUID = "uuid"


class Role(enum.Enum):
    """What a property is to the element."""

    # What an event (or a listing) says of the element; the newest description wins whole.
    DESCRIPTION = "description"
    # Where the element is (instances): written by the placement rules, not copied.
    PLACEMENT = "placement"
    # What the graph keeps to decide on later events: event times, the last event's type.
    BOOKKEEPING = "bookkeeping"
    # What only the APIs show (compute nodes' hypervisor and capacity), with its own clock.
    CAPACITY = "capacity"


@dataclass(frozen=True, slots=True)
class Property:
    """One property of an element.

    ``notification`` is the field's path in the payload's ``nova_object.data`` (``flavor.vcpus``
    goes through the nested flavor object); ``api`` its path in the API document a reconcile
    lists (``flavor.ram`` in a server of ``/servers/detail``). Either is None where that source
    does not carry it (the graph then keeps what it holds); ``derived`` properties are computed
    by the family from others (``disk_gb``). ``absent`` is the value when the source has
    none (0 for a flavor's missing swap); ``empty_means_none`` reads "" as no value (a
    volume-backed server's image).

    ``max_length`` is the most characters a notification may give it: Nova's own column size
    (a longer value is refused, never cut); for ``Kind.PAIRS`` it bounds each key and each
    value, for ``Kind.TEXTS`` each text. ``form`` is what a text value must look like besides
    (``Form``).
    """

    name: str
    kind: Kind
    role: Role = Role.DESCRIPTION
    notification: str | None = None
    api: str | None = None
    watcher: str | None = None
    derived: bool = False
    absent: Any = None
    empty_means_none: bool = False
    max_length: int | None = None
    form: Form = Form.FREE
    help: str = ""


@dataclass(frozen=True, slots=True)
class ElementSchema:
    """An element: its label, its key and its properties, in the order the graph shows them.
    ``key_source`` says where a notification gives the key, and what it must look like."""

    label: str
    key: str
    properties: tuple[Property, ...]
    key_source: Property
    _by_name: dict[str, Property] = field(init=False, repr=False, compare=False, hash=False)
    # The names of each kind of property a statement takes in a form of its own.
    _of_kind: dict[Kind, frozenset[str]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.key_source.name != self.key:
            raise ValueError(f"{self.label}: key_source declares {self.key_source.name!r}")
        object.__setattr__(self, "_by_name", {prop.name: prop for prop in self.properties})
        object.__setattr__(self, "_of_kind", {
            kind: frozenset(prop.name for prop in self.properties if prop.kind is kind)
            for kind in Kind
        })  # fmt: skip

    def names_of_kind(self, kind: Kind) -> frozenset[str]:
        return self._of_kind[kind]

    def __iter__(self) -> Iterator[Property]:
        return iter(self.properties)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties)

    @property
    def stored_names(self) -> tuple[str, ...]:
        """Every property the graph holds, each clock's stamp included."""
        return tuple(self.stored_as())

    def stored_as(self) -> dict[str, Property]:
        """Each property the graph holds -> the declared property it stores (a clock's
        ``<name>_us``, ``<name>_rank`` and ``<name>_id`` store the clock)."""
        stored: dict[str, Property] = {}
        for prop in self.properties:
            stored[prop.name] = prop
            if prop.kind is Kind.CLOCK:
                stored.update({f"{prop.name}{suffix}": prop for suffix in STAMP_SUFFIXES})
        return stored

    def clocks(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.kind is Kind.CLOCK)

    def __getitem__(self, name: str) -> Property:
        return self._by_name[name]

    def names_of(self, *roles: Role) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties if prop.role in roles)

    def from_notification(self) -> tuple[Property, ...]:
        return tuple(prop for prop in self.properties if prop.notification is not None)

    def from_api(self) -> tuple[Property, ...]:
        return tuple(prop for prop in self.properties if prop.api is not None)

    def watcher_names(self) -> dict[str, str]:
        """Graph name -> Watcher attribute name, for the properties Watcher's model has."""
        return {prop.name: prop.watcher for prop in self.properties if prop.watcher}
