"""The service's own backoff around Neo4j writes, without the server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest
import tenacity
from neo4j.exceptions import ServiceUnavailable, TransientError

from cdm_graph.gateway import retrying


def failing(*errors: Exception) -> Callable[[], str]:
    """An attempt that raises these errors in turn, then commits."""
    remaining = list(errors)

    def attempt() -> str:
        if remaining:
            raise remaining.pop(0)
        return "committed"

    return attempt


def test_an_unreachable_neo4j_is_waited_for_until_it_answers(caplog):
    retry = retrying(sleep=lambda _: None)
    with caplog.at_level(logging.WARNING, "cdm_graph.apply"):
        assert retry(failing(ServiceUnavailable("refused"), ServiceUnavailable("refused"))) == (
            "committed"
        )
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "Neo4j unavailable",
        "Neo4j unavailable",
    ]


def test_a_deadlock_outlasting_the_drivers_retries_is_logged_as_busy_not_unavailable(caplog):
    retry = retrying(sleep=lambda _: None)
    with caplog.at_level(logging.WARNING, "cdm_graph.apply"):
        assert retry(failing(TransientError("deadlock"))) == "committed"
    assert caplog.records[0].getMessage().startswith("Neo4j busy (deadlock)")


def test_a_stop_ends_the_wait_with_the_last_error():
    stopping = threading.Event()
    stopping.set()
    retry = retrying(stop=tenacity.stop_when_event_set(stopping), sleep=stopping.wait)
    with pytest.raises(ServiceUnavailable):
        retry(failing(ServiceUnavailable("refused"), ServiceUnavailable("refused")))


def test_an_error_waiting_cannot_cure_is_raised_at_once():
    retry = retrying(sleep=lambda _: None)
    with pytest.raises(ValueError):
        retry(failing(ValueError("bad parameter")))
