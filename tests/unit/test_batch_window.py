"""The listener's batch window: batch_timeout while the sync keeps up, wider while it is a
second or more behind Nova's clock."""

from __future__ import annotations

from types import SimpleNamespace

from cdm_graph.transport.listener import BEHIND_SECONDS, BatchWindow

SHORTEST, LONGEST = 0.05, 0.2
BEHIND = BEHIND_SECONDS  # the batch's newest notification is this far behind Nova's clock
KEEPING_UP = BEHIND_SECONDS * 0.9  # less than that: a hiccup at most


def test_the_window_starts_at_batch_timeout():
    assert BatchWindow(SHORTEST, LONGEST).seconds == SHORTEST


def test_a_batch_a_second_behind_nova_doubles_the_window():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(BEHIND)
    assert window.seconds == 0.1


def test_the_window_never_passes_batch_timeout_max():
    window = BatchWindow(SHORTEST, LONGEST)
    for _ in range(5):
        window.batch_taken(BEHIND)
    assert window.seconds == LONGEST


def test_a_batch_less_than_a_second_behind_nova_keeps_the_shortest_window():
    # A hiccup leaves a few batches waiting: what comes next should not wait longer.
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(KEEPING_UP)
    assert window.seconds == SHORTEST


def test_a_batch_less_than_a_second_behind_nova_brings_the_window_back():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(BEHIND)
    window.batch_taken(BEHIND)
    window.batch_taken(KEEPING_UP)
    assert window.seconds == SHORTEST


def test_a_batch_with_no_time_leaves_the_window_as_it_is():
    # Its messages were all unreadable: they say nothing of how far behind the sync is.
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(BEHIND)
    window.batch_taken(None)
    assert window.seconds == 0.1


def test_a_longest_window_at_or_below_batch_timeout_never_widens():
    window = BatchWindow(0.5, LONGEST)
    window.batch_taken(BEHIND)
    assert (window.shortest, window.longest, window.seconds) == (0.5, 0.5, 0.5)


def test_each_change_of_the_window_is_reported_once():
    changes: list[float] = []
    window = BatchWindow(SHORTEST, LONGEST, changes.append)
    for behind in (BEHIND, BEHIND, BEHIND, BEHIND, KEEPING_UP, KEEPING_UP):
        window.batch_taken(behind)
    assert changes == [0.1, 0.2, SHORTEST]


def test_a_steered_listener_gathers_its_batches_for_the_window():
    listener = SimpleNamespace(batch_timeout=SHORTEST)
    changes: list[float] = []
    window = BatchWindow(SHORTEST, LONGEST, changes.append)
    window.steer(SimpleNamespace(listener=listener))
    window.batch_taken(BEHIND)
    assert listener.batch_timeout == 0.1
    window.batch_taken(KEEPING_UP)
    assert listener.batch_timeout == SHORTEST
    # Steered, the window reports where it starts.
    assert changes == [SHORTEST, 0.1, SHORTEST]
