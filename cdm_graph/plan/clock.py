"""Nova's clock decides: the one time guard every write goes through (batches, tombstones,
reconcile). A time that is None is older than any other."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar


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
