"""A notification stamped too far ahead of this host's clock is set aside, never applied, and
applies once replayed when it is no longer ahead; the real events after it apply meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdm_graph.apply.pipeline import Guard, process_batch
from cdm_graph.deadletter import DeadLetterStore
from cdm_graph.transport.envelope import Rejection
from tests.graphs import read_graph
from tests.nova import at, notification

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"  # the instance of Nova's samples


def clock_at(seconds: float) -> Guard:
    """The bounds by default, on a clock that reads ``at(seconds)``."""
    return Guard(now=lambda: at(seconds))


def test_an_event_ahead_of_the_clock_is_set_aside_and_the_real_events_after_it_apply(
    writer, graph
):
    skewed = notification("instance.create.end", at(100) + timedelta(days=365),
                          host="h1", display_name="from-the-future")
    outcome = process_batch(writer, [
        notification("instance.create.end", 10, host="h1", display_name="created"),
        skewed,
    ], clock_at(100))
    [rejection] = outcome.rejected
    assert rejection.message is skewed
    assert "ahead of this host's clock by 365 days, 0:00:00" in rejection.reason
    process_batch(writer, [notification("instance.update", 50, host="h2", display_name="real")],
                  clock_at(100))
    instance = read_graph(graph)["Instance"][UUID]
    assert (instance["name"], instance["host"]) == ("real", "h2")
    assert instance["event_time"].to_native() == at(50)


def test_a_dead_letter_ahead_of_the_clock_applies_once_it_no_longer_is(writer, graph):
    ahead = notification("instance.create.end", at(3600), host="h1", display_name="early")
    [rejection] = process_batch(writer, [ahead], clock_at(0)).rejected
    DeadLetterStore(writer).store([Rejection(rejection.reason, ahead, ahead.event_type)])

    applied, refused = DeadLetterStore(writer, clock_at(1800)).replay()
    assert applied == [] and "ahead of this host's clock by 0:30:00" in refused[0].reason
    assert UUID not in read_graph(graph)["Instance"]

    applied, refused = DeadLetterStore(writer, clock_at(3600 - 60)).replay()
    assert len(applied) == 1 and refused == []
    assert read_graph(graph)["Instance"][UUID]["name"] == "early"
    assert DeadLetterStore(writer).list() == []
