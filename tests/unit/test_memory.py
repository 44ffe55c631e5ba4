"""Python's collector around whole-cloud work and in a long-running sync."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from cdm_graph.memory import (
    MIDDLE_GENERATION_SPAN,
    collector_paused,
    freeze_what_lives_as_long_as_the_process,
    let_messages_in_flight_die_young,
    ready_to_consume,
)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


class Node:
    """A collected object that may take part in a cycle."""

    link: object = None


def test_what_a_sync_made_before_consuming_is_left_out_of_later_collections(unfrozen):
    made_at_startup = [[number] for number in range(1000)]
    freeze_what_lives_as_long_as_the_process()
    frozen = gc.get_freeze_count()
    assert frozen >= len(made_at_startup)
    # What it makes afterwards (its batches) is still collected: not frozen. (Frozen objects
    # other threads let go of leave the count: it may only fall.)
    made_later = [[number] for number in range(1000)]
    assert made_later and gc.get_freeze_count() <= frozen
    assert gc.isenabled()


def test_garbage_made_before_the_freeze_is_collected_rather_than_frozen(unfrozen):
    node = Node()
    node.link = node
    gone = weakref.ref(node)
    del node
    freeze_what_lives_as_long_as_the_process()
    assert gone() is None


def test_the_collector_is_paused_for_the_block_and_restored_after():
    was = gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is was


def test_a_consumer_collects_its_middle_generation_only_every_span_of_young_collections(
    thresholds,
):
    young, _, old = thresholds
    let_messages_in_flight_die_young()
    assert gc.get_threshold() == (young, MIDDLE_GENERATION_SPAN, old)
    assert gc.isenabled()


def test_a_cycle_a_consumer_drops_is_still_freed_by_the_allocations_alone(thresholds):
    let_messages_in_flight_die_young()
    node = Node()
    node.link = node
    gone = weakref.ref(node)
    del node
    # Enough allocations for a pass of the middle generation too, where the cycle would be
    # had a pass of the youngest come while it was still held; no gc.collect() here.
    young = gc.get_threshold()[0]
    kept = [[number] for number in range((MIDDLE_GENERATION_SPAN + 1) * young)]
    assert kept and gone() is None


def test_a_consumer_ready_to_consume_has_its_setup_frozen_and_its_middle_generation_spanned(
    unfrozen, thresholds
):
    made_at_setup = [[number] for number in range(1000)]
    young, _, old = thresholds
    ready_to_consume()
    assert gc.get_freeze_count() >= len(made_at_setup)
    assert gc.get_threshold() == (young, MIDDLE_GENERATION_SPAN, old)
