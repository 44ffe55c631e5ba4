"""Nova's clock decides: the one time guard every write goes through (batches, tombstones,
reconcile). A time that is None is older than any other."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from cdm_graph.schema import ElementSchema, Kind

# Times cross the driver as integer microseconds since the epoch (naive UTC, as oslo.messaging
# stamps them): the driver's temporal types cost more than everything else of a batch.
EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)


def to_us(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // MICROSECOND


def from_us(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=value)


class Timed(Protocol):
    @property
    def time(self) -> datetime: ...


_Timed = TypeVar("_Timed", bound=Timed)


def newer(current: _Timed | None, candidate: _Timed | None) -> _Timed | None:
    """The newer of two timed facts; on a tie, the one already held."""
    if candidate is None:
        return current
    if current is None or candidate.time > current.time:
        return candidate
    return current


def latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def after(moment: datetime | None, floor: datetime | None) -> bool:
    """Whether a fact at ``moment`` survives a deletion at ``floor`` (None: no deletion)."""
    return moment is not None and (floor is None or moment > floor)


def older(stored: datetime | None, listed_at: datetime) -> bool:
    """Whether what the graph holds (None: nothing) is older than a listing begun at
    ``listed_at``, so that the listing may overwrite it."""
    return stored is None or stored < listed_at


def encoded(schema: ElementSchema, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as a statement of ``cypher/batch`` takes them: each clock as ``<name>_us``
    (integer microseconds), each date Nova reported as an ISO string (Cypher's datetime()
    parses it), everything else as it is. No temporal value crosses the driver."""
    row: dict[str, Any] = {}
    for name, value in values.items():
        kind = schema[name].kind
        if kind is Kind.CLOCK:
            row[f"{name}_us"] = to_us(value)
        elif kind is Kind.MOMENT:
            row[name] = None if value is None else value.isoformat()
        else:
            row[name] = value
    return row
