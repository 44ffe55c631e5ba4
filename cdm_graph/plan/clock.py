"""Nova's clock decides: the one order every guard compares facts in (batch folds, stored
state, tombstones, reconcile).

A fact (an event, a placement, a deletion, a listing) carries a ``Stamp``: Nova's time, then
at the same microsecond its ``Precedence``, then the id every copy of its message carries
(oslo.messaging's ``message_id``; a digest of the message where it has none). Two different
messages never compare equal, so the order is total: whichever arrives first, in whatever
batch, on whichever synchronizer, the same one is the newer. A stamp that is None is older
than any other.

The graph stores each stamp beside the clock it belongs to (``Kind.CLOCK``), so that a later
batch compares with what it holds in the same order.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, TypeVar

from cdm_graph.schema import ElementSchema, Kind

# Times cross the driver as integer microseconds since the epoch (naive UTC, as oslo.messaging
# stamps them): the driver's temporal types cost more than everything else of a batch.
EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)

# The default of [graph] hint_margin (cdm_graph.config).
DEFAULT_HINT_MARGIN = timedelta(seconds=5)
# The default of [graph] default_availability_zone: Nova's own default_availability_zone.
DEFAULT_AVAILABILITY_ZONE = "nova"


def to_us(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // MICROSECOND


def from_us(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=value)


class Precedence(enum.IntEnum):
    """Which of two facts stamped with the same microsecond is the newer: the higher. Stored
    beside each clock as ``<name>_rank``. Only a tie of times reaches it; two facts of the
    same precedence are then ordered by their message's id."""

    # A reconcile's listing is stamped with the time it began, by the reconciling host's
    # clock, and reads each element some time later: an equal time says nothing of which came
    # first. A notification speaks of one element at that very instant, so it wins the tie,
    # and a listing overwrites only what is strictly older than its start.
    LISTED = 0
    # An element a complete listing no longer shows: as between notifications, a deletion wins
    # a tie with an update (below).
    LISTED_GONE = 1
    # Nova's notifications that create or update an element.
    NOTIFIED = 2
    # Nova's deletions (instance.delete.end, instance.soft_delete.end, service.delete) win a
    # tie with an update: Nova sends a deletion last in the element's life, once the record
    # is destroyed (the instance.update that sets vm_state deleted comes before it), and what
    # brings an element back (instance.restore.end, a new service.create) takes a later call.
    DELETED = 3


class Stamp(NamedTuple):
    """A fact's place in the order, compared field by field."""

    # Nova's time, integer microseconds since the epoch (naive UTC).
    us: int
    # Its Precedence, at the same microsecond.
    rank: int
    # What every copy of its message carries: oslo.messaging's message_id, or a digest of the
    # message; "" for a listing (one listing at one start time: nothing left to break).
    id: str

    @classmethod
    def at(cls, moment: datetime, rank: Precedence, id: str = "") -> Stamp:
        return cls((moment - EPOCH) // MICROSECOND, int(rank), id)

    @classmethod
    def stored(cls, columns: Sequence[Any] | None) -> Stamp | None:
        """A stamp as a guard's read returns it, ``[<name>_us, <name>_rank, <name>_id]``
        (None or [null, ...]: no stamp). A clock written before ranks and ids were stored
        ranks lowest: any fact of its microsecond is newer."""
        if not columns or columns[0] is None:
            return None
        us, rank, id = columns
        return cls(us, rank or 0, id or "")

    @property
    def time(self) -> datetime:
        return EPOCH + timedelta(microseconds=self.us)

    def columns(self, name: str) -> dict[str, Any]:
        """The stamp as the properties that store it beside the clock ``name``."""
        return {f"{name}_us": self.us, f"{name}_rank": self.rank, f"{name}_id": self.id}


def stamp_columns(name: str, stamp: Stamp | None) -> dict[str, Any]:
    """``Stamp.columns``, all null for no stamp."""
    if stamp is None:
        return {f"{name}_us": None, f"{name}_rank": None, f"{name}_id": None}
    return stamp.columns(name)


class Stamped(Protocol):
    @property
    def stamp(self) -> Stamp: ...


_Stamped = TypeVar("_Stamped", bound=Stamped)


def newer(current: _Stamped | None, candidate: _Stamped | None) -> _Stamped | None:
    """The newer of two stamped facts; the same stamp is the same message, so keeping the
    one held changes nothing."""
    if candidate is None:
        return current
    if current is None or candidate.stamp > current.stamp:
        return candidate
    return current


def latest(*stamps: Stamp | None) -> Stamp | None:
    return max((stamp for stamp in stamps if stamp is not None), default=None)


def after(stamp: Stamp | None, floor: Stamp | None) -> bool:
    """Whether a fact stamped ``stamp`` survives a deletion stamped ``floor`` (None: no
    deletion)."""
    return stamp is not None and (floor is None or stamp > floor)


def older(stored: Stamp | None, listed: Stamp) -> bool:
    """Whether what the graph holds (None: nothing) is older than a listing's fact, so that
    the listing may overwrite it."""
    return stored is None or stored < listed


@dataclass(frozen=True, slots=True)
class GuardSettings:
    """What the configuration decides of the guards; handed to every resolve step."""

    # How much newer than an instance's authoritative placement a hint must be to move it
    # ([graph] hint_margin): more than the clock skew between two hosts.
    hint_margin: timedelta = DEFAULT_HINT_MARGIN
    # The zone of a compute node no zone aggregate contains ([graph]
    # default_availability_zone): Nova's default_availability_zone.
    default_availability_zone: str = DEFAULT_AVAILABILITY_ZONE

    @property
    def hint_margin_us(self) -> int:
        return self.hint_margin // MICROSECOND


def encoded(schema: ElementSchema, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as a statement of ``cypher/batch`` takes them: each clock as its stamp's
    ``<name>_us``, ``<name>_rank`` and ``<name>_id`` (integers and a string), each date Nova
    reported as an ISO string (Cypher's datetime() parses it), everything else as it is. No
    temporal value crosses the driver."""
    # A copy, then only the few clocks and dates changed: this runs once per element of
    # every batch, and most of its values pass as they are.
    row = dict(values)
    for name in schema.names_of_kind(Kind.CLOCK).intersection(values):
        row.update(stamp_columns(name, row.pop(name)))
    for name in schema.names_of_kind(Kind.MOMENT).intersection(values):
        moment = row[name]
        row[name] = None if moment is None else moment.isoformat()
    return row
