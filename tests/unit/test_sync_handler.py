"""The synchronizer's batch handler, without the servers."""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timedelta
from typing import Any

from cdm_graph.apply.pipeline import Guard
from cdm_graph.metrics import SyncMetrics
from cdm_graph.sync.handler import BatchHandler
from cdm_graph.transport.envelope import Envelope, to_record
from cdm_graph.transport.listener import HANDLED, REQUEUE
from tests.nova import notification


class Untouchable:
    """A writer or store the handler must not use."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"used {name} while stopping")


def test_a_batch_delivered_while_stopping_is_handed_back_without_waiting_for_neo4j():
    stopping = threading.Event()
    stopping.set()
    handler = BatchHandler(Untouchable(), Untouchable(), SyncMetrics(), stopping)  # type: ignore[arg-type]
    message = {"event_type": "instance.create.end", "payload": {}, "metadata": {}}
    assert handler.handle([message], "info") == REQUEUE
    assert not handler.failed


class Applying:
    """A writer that applies everything, and a dead-letter store that keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.letters: list[Any] = []

    def apply_batch(self, events: Any) -> None:
        self.events.extend(events)

    def store(self, rejections: Any) -> None:
        self.letters.extend(rejections)


def _message(envelope: Envelope) -> dict[str, Any]:
    """What oslo.messaging's listener hands over for ``envelope``."""
    return to_record(envelope)


NOW = datetime(2026, 6, 1, 12, 0, 0)


def test_a_batch_is_logged_at_debug_and_summed_up_at_info(caplog):
    graph = Applying()
    guard = Guard(now=lambda: NOW)
    handler = BatchHandler(graph, graph, SyncMetrics(), threading.Event(), guard)  # type: ignore[arg-type]
    batch = [
        _message(notification("instance.update", NOW - timedelta(seconds=2))),
        _message(notification("instance.create.start", NOW - timedelta(seconds=1))),
    ]
    with caplog.at_level(logging.DEBUG, logger="cdm_graph.sync.handler"):
        assert handler.handle(batch, "INFO") == HANDLED
        assert handler.handle(batch[:1], "INFO") == HANDLED
    assert [record.levelno for record in caplog.records] == [logging.DEBUG, logging.DEBUG]
    assert caplog.records[0].getMessage().startswith(
        "batch committed: messages=2 applied=1 skipped=1 dead_lettered=0"
    )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="cdm_graph.sync.handler"):
        line = handler.log_summary()
        assert handler.log_summary().endswith("no messages")
    assert re.fullmatch(
        r"last \d+ s: 3 messages \([\d.]+/s\): 2 applied, 1 skipped, 0 dead-lettered; "
        r"lag 2\.00 s \(at most 2\.00 s\)",
        line,
    )
    assert [record.levelno for record in caplog.records] == [logging.INFO, logging.INFO]


def test_dead_lettered_messages_are_one_warning_per_batch_with_their_reasons(caplog):
    graph = Applying()
    guard = Guard(now=lambda: NOW)
    handler = BatchHandler(graph, graph, SyncMetrics(), threading.Event(), guard)  # type: ignore[arg-type]
    batch = [
        _message(notification("instance.update", NOW + timedelta(days=1))),
        *[_message(notification("instance.update", NOW, host="")) for _ in range(3)],
        _message(notification("instance.update", NOW)),
    ]
    with caplog.at_level(logging.INFO, logger="cdm_graph.sync.handler"):
        handler.handle(batch, "INFO")
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith(
        "dead-lettered 4 of 5 messages (`cdm-graph deadletter list`): instance.update: "
        "timestamp 2026-06-02 12:00:00 ahead of this host's clock by 1 day, 0:00:00"
    )
    assert warning.getMessage().endswith("; instance.update: field 'host' must not be empty")
    assert len(graph.letters) == 4 and len(graph.events) == 1


class RecordingWindow:
    """A batch window that keeps, for each batch, how far behind the clock its newest
    notification is."""

    def __init__(self) -> None:
        self.taken: list[float | None] = []

    def batch_taken(self, behind: float | None) -> None:
        self.taken.append(behind)


def test_the_handler_tells_the_window_how_far_behind_each_batch_is():
    graph = Applying()
    window = RecordingWindow()
    handler = BatchHandler(
        graph, graph, SyncMetrics(), threading.Event(), Guard(now=lambda: NOW), window  # type: ignore[arg-type]
    )
    batch = [
        _message(notification("instance.update", NOW - timedelta(seconds=5))),
        _message(notification("instance.update", NOW - timedelta(seconds=2))),
    ]
    handler.handle(batch, "INFO")
    # By its newest notification.
    assert window.taken == [2.0]


def test_each_priority_of_a_batch_tells_the_window_on_its_own():
    # oslo.messaging hands over one batch a priority at a time, in the order of their names.
    graph = Applying()
    window = RecordingWindow()
    handler = BatchHandler(
        graph, graph, SyncMetrics(), threading.Event(), Guard(now=lambda: NOW), window  # type: ignore[arg-type]
    )
    handler.handle([_message(notification("instance.update", NOW - timedelta(seconds=3)))], "ERROR")
    handler.handle([_message(notification("instance.update", NOW - timedelta(seconds=2)))], "INFO")
    assert window.taken == [3.0, 2.0]
