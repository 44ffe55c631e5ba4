"""tools/run-local gives its simulated cloud real capacities (devstack/simulated_cloud.py): a
reconcile of an emulated Nova and Placement describing the simulator's hosts, then the
simulator's stream, and `cdm-graph query hosts_by_free_capacity` shows every host with a
plausible, non-negative free capacity; a host the simulator commissions later, which no
reconcile has read yet, shows its free capacity as unknown, never negative."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cdm_graph import cli
from cdm_graph.apply.pipeline import process_batch
from cdm_graph.simulate import NovaSimulator
from cdm_graph.transport.envelope import from_record
from devstack import simulated_cloud

pytestmark = pytest.mark.functional

HOSTS, INSTANCES = 20, 200


@pytest.fixture
def operator_shell(neo4j_target, monkeypatch) -> Iterator[None]:
    """cdm-graph configured as run-local's commands are (the Neo4j through OS_NEO4J__*); the
    environment and the root logger as they were after the test."""
    environment = dict(os.environ)
    monkeypatch.setenv("OS_NEO4J__URI", neo4j_target["uri"])
    monkeypatch.setenv("OS_NEO4J__USERNAME", neo4j_target["username"])
    monkeypatch.setenv("OS_NEO4J__PASSWORD", neo4j_target["password"])
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    yield
    os.environ.clear()
    os.environ.update(environment)


def test_run_local_gives_every_simulated_host_plausible_free_capacity(
    operator_shell, writer, graph, capsys
):
    assert simulated_cloud.main(["--hosts", str(HOSTS)]) == 0
    simulator = NovaSimulator(hosts=HOSTS, instances=INSTANCES, seed=3)
    after = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    envelopes = [from_record(message) for message in simulator.messages(300, start=after)]
    for start in range(0, len(envelopes), 500):
        assert not process_batch(writer, envelopes[start : start + 500]).rejected
    capsys.readouterr()

    assert cli.main(["query", "hosts_by_free_capacity", "--param", "limit=100"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["hostname", "status", "state", "instances", "free_vcpus",
                                "free_memory_mb", "free_disk_gb"]
    rows = [line.split() for line in table[2:-1]]
    reconciled = {simulated_cloud.hostname(number) for number in range(1, HOSTS + 1)}
    # The simulator may decommission a host of its start-up cloud (once it is empty).
    assert len([row for row in rows if row[0] in reconciled]) >= HOSTS - 2
    assert sum(int(row[3]) for row in rows) > INSTANCES / 2
    for row in rows:
        if row[0] not in reconciled:
            assert row[4:] == ["-", "-", "-"], row
            continue
        free = [float(cell) for cell in row[4:]]  # a '-' (unknown) would not convert
        assert all(value >= 0 for value in free), row
        assert free[0] <= 256 and free[1] <= 262144 - 4096 and free[2] <= 4000, row
