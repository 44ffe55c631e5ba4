"""The synchronizer's batch handler, without the servers."""

from __future__ import annotations

import threading
from typing import Any

from cdm_graph.metrics import SyncMetrics
from cdm_graph.sync.handler import BatchHandler
from cdm_graph.transport.listener import REQUEUE


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
