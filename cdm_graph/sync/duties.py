"""The synchronizer's periodic duties, on one scheduler.

Each duty runs in a thread of its own, so that one waiting on an absent Neo4j (up to a whole
driver retry) or listing a large cloud (minutes) holds back neither the others nor a stop.
A duty that fails is logged with its cause, counted (``cdm_graph_duty_failures_total``), and
runs again at its next period: no error ends its thread. One failing ``FAILING_AFTER`` times
in a row is logged as an error and named by ``/healthz``, until it succeeds again. A stop
ends every duty at its next wait. Each duty is idempotent, so one cut short by the exit is
simply done again by the next process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cdm_graph.gateway import RETRYABLE
from cdm_graph.metrics import FAILING_AFTER, SyncMetrics

LOG = logging.getLogger(__name__)


class DutyFailed(Exception):
    """A duty that could not do its work, for a reason its message says in full."""


@dataclass(frozen=True, slots=True)
class Duty:
    """``run`` now (or, ``at_start`` false, after one interval), then every ``interval``
    seconds; ``name`` is how logs, the metrics and the health check call it."""

    name: str
    interval: float
    run: Callable[[], object]
    at_start: bool = True


def run_periodically(
    duty: Duty, stopping: threading.Event, metrics: SyncMetrics | None = None
) -> None:
    """Run ``duty`` now, then every ``interval`` seconds until ``stopping`` is set. A
    failure is logged, counted in ``metrics`` and waits for the next round: the
    notifications go on meanwhile."""
    metrics = metrics or SyncMetrics()
    if not duty.at_start and stopping.wait(duty.interval):
        return
    while not stopping.is_set():
        try:
            duty.run()
        except RETRYABLE as error:
            if stopping.is_set():
                break  # the gateway gave up waiting for Neo4j because the service stops
            _failed(duty, metrics, f"Neo4j unavailable: {error}")
        except DutyFailed as error:
            _failed(duty, metrics, str(error))
        except Exception as error:  # a bug, or Neo4j refusing: the traceback says where
            _failed(duty, metrics, repr(error), traceback=True)
        else:
            ended = metrics.duty_succeeded(duty.name)
            if ended.failures >= FAILING_AFTER:
                LOG.info("duty %s works again after %d failures", duty.name, ended.failures)
        if stopping.wait(duty.interval):
            break


def _failed(duty: Duty, metrics: SyncMetrics, reason: str, traceback: bool = False) -> None:
    streak = metrics.duty_failed(duty.name, reason)
    if streak.failures == FAILING_AFTER:
        # Now an operator must look: /healthz names it until it works again.
        LOG.error(
            "duty %s failed %d times in a row (%s); next in %.0f s",
            duty.name, streak.failures, reason, duty.interval, exc_info=traceback,
        )
    else:
        LOG.warning(
            "duty %s failed (%s); next in %.0f s", duty.name, reason, duty.interval,
            exc_info=traceback,
        )


class Scheduler:
    """Runs every duty, each in a daemon thread of its own, until ``stopping`` is set;
    their failures go to ``metrics``."""

    def __init__(
        self,
        duties: Iterable[Duty],
        stopping: threading.Event,
        metrics: SyncMetrics | None = None,
    ) -> None:
        self.duties = tuple(duties)
        self._stopping = stopping
        self._metrics = metrics or SyncMetrics()
        self._threads: list[threading.Thread] = []

    def start(self) -> Scheduler:
        for duty in self.duties:
            thread = threading.Thread(
                target=run_periodically,
                args=(duty, self._stopping, self._metrics),
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
