"""The parent of ``[sync] processes``: its decisions, with stand-in children and clock."""

from __future__ import annotations

import signal
import subprocess

import pytest

from cdm_graph.metrics import Unhealthy
from cdm_graph.sync.supervisor import RestartPolicy, Supervisor, describe

KILLED = -signal.SIGKILL


class FakeChild:
    """A child process that ends when the test says, and stops on SIGTERM unless stubborn."""

    pids = iter(range(1000, 2000))

    def __init__(self, index: int, stubborn: bool = False) -> None:
        self.index = index
        self.pid = next(self.pids)
        self.returncode: int | None = None
        self.stubborn = stubborn
        self.signals: list[int] = []

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)
        if self.returncode is None and not self.stubborn:
            self.returncode = 0

    def kill(self) -> None:
        self.returncode = KILLED

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            raise subprocess.TimeoutExpired("cdm-graph sync", timeout or 0)
        return self.returncode


class Launcher:
    def __init__(self) -> None:
        self.started: list[FakeChild] = []
        self.stubborn: set[int] = set()

    def __call__(self, index: int) -> FakeChild:
        child = FakeChild(index, stubborn=index in self.stubborn)
        self.started.append(child)
        return child

    def current(self, index: int) -> FakeChild:
        return [child for child in self.started if child.index == index][-1]


POLICY = RestartPolicy(first_delay=1.0, max_delay=8.0, stable_after=60.0)


def supervised(count: int = 2) -> tuple[Supervisor, Launcher, list[int]]:
    launcher = Launcher()
    reaped: list[int] = []
    supervisor = Supervisor(count, launcher, POLICY, on_exit=reaped.append)
    supervisor.start(now=0.0)
    return supervisor, launcher, reaped


def test_it_starts_one_child_per_process_each_with_its_index():
    supervisor, launcher, _ = supervised(3)
    assert [child.index for child in launcher.started] == [0, 1, 2]
    assert supervisor.alive() == 3
    assert supervisor.health() == "3/3 alive"


def test_a_child_killed_by_a_signal_is_restarted_after_the_backoff_not_before():
    supervisor, launcher, reaped = supervised()
    victim = launcher.current(1)
    victim.returncode = KILLED
    assert supervisor.step(now=100.0)
    assert reaped == [victim.pid]  # its live gauges are dropped at once
    assert supervisor.alive() == 1
    with pytest.raises(Unhealthy, match="1/2 alive"):
        supervisor.health()
    assert supervisor.step(now=100.5)
    assert launcher.current(1) is victim, "restarted before its backoff"
    assert supervisor.step(now=101.0)
    assert launcher.current(1) is not victim
    assert supervisor.alive() == 2 and supervisor.restarts == 1
    assert launcher.current(0) is launcher.started[0], "the other child was left alone"


def test_deaths_soon_after_a_start_double_the_backoff_up_to_its_bound():
    supervisor, launcher, _ = supervised(1)
    now, delays = 0.0, []
    for _ in range(6):
        launcher.current(0).returncode = KILLED
        supervisor.step(now)
        died = now
        while launcher.current(0).returncode is not None:
            now += 0.5
            supervisor.step(now)
        delays.append(now - died)
    assert delays == [2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_a_child_that_lived_long_is_restarted_after_the_first_delay_again():
    supervisor, launcher, _ = supervised(1)
    launcher.current(0).returncode = KILLED
    supervisor.step(now=1.0)
    supervisor.step(now=3.0)  # restarted after 2 s: it died soon after its start
    launcher.current(0).returncode = KILLED
    supervisor.step(now=3.0 + 3600)
    restarted = launcher.current(0)
    supervisor.step(now=3.0 + 3601)
    assert launcher.current(0) is not restarted


def test_a_child_stopped_cleanly_while_the_service_runs_is_restarted():
    supervisor, launcher, _ = supervised()
    first = launcher.current(0)
    first.returncode = 0  # someone sent it SIGTERM
    assert supervisor.step(now=100.0)
    supervisor.step(now=101.0)
    assert launcher.current(0) is not first


@pytest.mark.parametrize("status", [1, 2])
def test_a_child_that_exits_with_an_error_of_its_own_stops_the_service_with_it(status):
    supervisor, launcher, _ = supervised()
    launcher.current(1).returncode = status  # 1: cannot apply batches; 2: bad configuration
    assert not supervisor.step(now=5.0)
    assert supervisor.failure == status
    assert len(launcher.started) == 2, "restarted a child that would fail again"
    assert supervisor.stop(timeout=30) == status
    assert launcher.current(0).signals == [signal.SIGTERM]


def test_sigterm_reaches_every_child_and_a_clean_stop_exits_0():
    supervisor, launcher, reaped = supervised()
    assert supervisor.stop(timeout=30) == 0
    assert all(child.signals == [signal.SIGTERM] for child in launcher.started)
    assert sorted(reaped) == sorted(child.pid for child in launcher.started)


def test_a_child_killed_by_the_stop_signal_while_starting_is_a_clean_stop():
    supervisor, launcher, _ = supervised()
    launcher.current(1).returncode = -signal.SIGTERM  # before its handler was installed
    assert supervisor.stop(timeout=30) == 0


def test_a_child_that_outlasts_the_stop_timeout_is_killed_and_the_stop_is_not_clean():
    launcher = Launcher()
    launcher.stubborn = {1}
    supervisor = Supervisor(2, launcher, POLICY)
    supervisor.start(now=0.0)
    assert supervisor.stop(timeout=0.0) == 1
    assert launcher.current(1).returncode == KILLED


def test_a_child_that_cannot_be_started_is_tried_again_later():
    attempts: list[int] = []

    def launch(index: int) -> FakeChild:
        attempts.append(index)
        if len(attempts) == 1:
            raise OSError("Resource temporarily unavailable")
        return FakeChild(index)

    supervisor = Supervisor(1, launch, POLICY)
    supervisor.start(now=0.0)
    assert supervisor.alive() == 0
    supervisor.step(now=2.0)
    assert supervisor.alive() == 1 and attempts == [0, 0]
    assert supervisor.restarts == 1


def test_a_childs_end_is_described_with_its_signal_or_status():
    assert describe(-signal.SIGKILL) == "was killed by SIGKILL"
    assert describe(1) == "exited with status 1"
