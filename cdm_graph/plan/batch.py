"""A batch across families: its fold, the keys it locks, and the resolution of its writes.

``BatchFold.of`` groups a batch's events by family and folds each family's share; ``resolve``
runs every family's resolve step, in the registry's order, against the stored state read
under lock, and returns the writes. Both are pure: ``cdm_graph.apply`` does the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdm_graph.families import FAMILIES
from cdm_graph.families.base import Event, Statement, Writes
from cdm_graph.plan.clock import GuardSettings


@dataclass(slots=True)
class BatchFold:
    """Each family's fold of the batch, by family name (families with no event left out)."""

    folds: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[Event]) -> BatchFold:
        by_family: dict[str, list[Event]] = {}
        for event in events:
            by_family.setdefault(event.family, []).append(event)
        return cls(
            {
                family.name: family.fold(by_family[family.name])
                for family in FAMILIES
                if family.name in by_family
            }
        )

    def __bool__(self) -> bool:
        return bool(self.folds)

    def lock_keys(self) -> dict[str, set[str]]:
        """Family name -> every key the batch locks in it, whichever family asks."""
        keys: dict[str, set[str]] = {family.name: set() for family in FAMILIES}
        for family in FAMILIES:
            if family.name in self.folds:
                for name, wanted in family.lock_keys(self.folds[family.name]).items():
                    keys[name].update(wanted)
        return keys


def lock_statements(keys: Mapping[str, set[str]]) -> list[Statement]:
    """The lock statement of every family, in the registry's order, each with its keys of
    ``keys`` (family name -> keys) sorted: two synchronizers working on overlapping batches
    queue behind each other rather than deadlock. A family with no key to lock is there too,
    with none: the locks are one statement, the same text for every batch, planned once
    (see ``families.base.Writes``)."""
    return [
        Statement(f"batch/{family.name}/lock", {"keys": sorted(keys.get(family.name, ()))})
        for family in FAMILIES
    ]


@dataclass(slots=True)
class BatchState:
    """One batch under way: what every family's steps see (``families.base.Batch``)."""

    folds: Mapping[str, Any]
    keys: dict[str, set[str]]
    settings: GuardSettings = field(default_factory=GuardSettings)
    stored: dict[str, Any] = field(default_factory=dict)
    resolved: dict[str, Any] = field(default_factory=dict)
    writes: Writes = field(default_factory=Writes)


def resolve(
    fold: BatchFold,
    stored: Mapping[str, Any],
    keys: Mapping[str, set[str]] | None = None,
    settings: GuardSettings | None = None,
) -> BatchState:
    """Every family's writes for ``fold`` against ``stored`` (family name -> its stored
    state; a family absent from it holds nothing yet). ``keys`` are the keys locked, by
    family: the fold's own, and those its stored state named; ``settings`` what the
    configuration decides of the guards (its defaults when None)."""
    locked = {name: set(wanted) for name, wanted in (keys or fold.lock_keys()).items()}
    batch = BatchState(fold.folds, locked, settings or GuardSettings(), dict(stored))
    for family in FAMILIES:
        family.resolve(batch)
    return batch
