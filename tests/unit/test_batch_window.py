"""The listener's batch window: batch_timeout while the workers keep up, wider while batches
wait for them."""

from __future__ import annotations

from types import SimpleNamespace

from cdm_graph.transport.listener import BEHIND_SECONDS, BatchWindow

SHORTEST, LONGEST = 0.05, 0.2
WAITING = 0.001  # a batch was already there: under a tenth of the shortest window
BETWEEN = 0.02  # a worker waited, but less than a whole shortest window
IDLE = 0.06  # a worker waited a whole shortest window
BEHIND = BEHIND_SECONDS  # the batch's newest notification is this far behind Nova's clock


def test_the_window_starts_at_batch_timeout():
    assert BatchWindow(SHORTEST, LONGEST).seconds == SHORTEST


def test_a_batch_already_waiting_for_its_worker_doubles_the_window():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(WAITING, BEHIND)
    assert window.seconds == 0.1


def test_the_window_never_passes_batch_timeout_max():
    window = BatchWindow(SHORTEST, LONGEST)
    for _ in range(5):
        window.batch_taken(WAITING, BEHIND)
    assert window.seconds == LONGEST


def test_a_worker_that_waited_a_whole_window_brings_it_back_to_batch_timeout():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(WAITING, BEHIND)
    window.batch_taken(WAITING, BEHIND)
    window.batch_taken(IDLE, BEHIND)
    assert window.seconds == SHORTEST


def test_a_worker_that_waited_less_than_a_window_keeps_it():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(WAITING, BEHIND)
    window.batch_taken(BETWEEN, BEHIND)
    assert window.seconds == 0.1


def test_batches_waiting_less_than_a_second_behind_nova_keep_the_shortest_window():
    # A hiccup leaves a few batches waiting: what comes next should not wait longer.
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(WAITING, BEHIND * 0.9)
    assert window.seconds == SHORTEST


def test_a_batch_less_than_a_second_behind_nova_brings_the_window_back():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(WAITING, BEHIND)
    window.batch_taken(WAITING, BEHIND * 0.9)
    assert window.seconds == SHORTEST


def test_a_batch_with_no_time_brings_the_window_back():
    window = BatchWindow(SHORTEST, LONGEST)
    window.batch_taken(WAITING, BEHIND)
    window.batch_taken(WAITING, None)
    assert window.seconds == SHORTEST


def test_a_longest_window_at_or_below_batch_timeout_never_widens():
    window = BatchWindow(0.5, LONGEST)
    window.batch_taken(WAITING, BEHIND)
    assert (window.shortest, window.longest, window.seconds) == (0.5, 0.5, 0.5)


def test_each_change_of_the_window_is_reported_once():
    changes: list[float] = []
    window = BatchWindow(SHORTEST, LONGEST, changes.append)
    for idle in (WAITING, WAITING, WAITING, WAITING, BETWEEN, IDLE, IDLE):
        window.batch_taken(idle, BEHIND)
    assert changes == [0.1, 0.2, SHORTEST]


def test_a_steered_listener_gathers_its_batches_for_the_window():
    listener = SimpleNamespace(batch_timeout=SHORTEST)
    changes: list[float] = []
    window = BatchWindow(SHORTEST, LONGEST, changes.append)
    window.steer(SimpleNamespace(listener=listener))
    window.batch_taken(WAITING, BEHIND)
    assert listener.batch_timeout == 0.1
    window.batch_taken(IDLE, BEHIND)
    assert listener.batch_timeout == SHORTEST
    # Steered, the window reports where it starts.
    assert changes == [SHORTEST, 0.1, SHORTEST]
