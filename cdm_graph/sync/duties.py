"""The synchronizer's periodic duties, on one scheduler.

Each duty runs in a thread of its own, so that one waiting on an absent Neo4j (up to a whole
driver retry) or listing a large cloud (minutes) holds back neither the others nor a stop.
A duty that fails is logged with its cause and runs again at its next period; a stop ends
every duty at its next wait. Each duty is idempotent, so one cut short by the exit is simply
done again by the next process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cdm_graph.gateway import RETRYABLE

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Duty:
    """``run`` now, then every ``interval`` seconds."""

    name: str
    interval: float
    run: Callable[[], object]


def run_periodically(duty: Duty, stopping: threading.Event) -> None:
    """Run ``duty`` now, then every ``interval`` seconds until ``stopping`` is set. A
    failure is logged and waits for the next round: the notifications go on meanwhile."""
    while not stopping.is_set():
        try:
            duty.run()
        except RETRYABLE:
            if stopping.is_set():
                break  # the gateway gave up waiting for Neo4j because the service stops
            LOG.exception("%s failed: Neo4j unavailable; next in %.0f s", duty.name, duty.interval)
        except Exception:
            LOG.exception("%s failed; next in %.0f s", duty.name, duty.interval)
        if stopping.wait(duty.interval):
            break


class Scheduler:
    """Runs every duty, each in a daemon thread of its own, until ``stopping`` is set."""

    def __init__(self, duties: Iterable[Duty], stopping: threading.Event) -> None:
        self.duties = tuple(duties)
        self._stopping = stopping
        self._threads: list[threading.Thread] = []

    def start(self) -> Scheduler:
        for duty in self.duties:
            thread = threading.Thread(
                target=run_periodically,
                args=(duty, self._stopping),
                name=f"duty-{duty.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds in all for the duties to end; whether they did.
        A duty still listing a cloud ends with the process (its threads are daemons)."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)
