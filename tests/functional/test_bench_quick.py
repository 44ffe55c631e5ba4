"""``python -m bench --quick --profile`` end to end against the test Neo4j and RabbitMQ: every
row of the results table is there, every end-to-end run left the graph equal to its stream's
truth with nothing left in the queue or set aside, and the profile is written. Figures are
not judged: the machine running tests is busy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.run import PAIRED_ROUNDS

pytestmark = pytest.mark.functional

REPO = Path(__file__).resolve().parents[2]

# Rows of every size, then of the first size only.
ROWS = (
    "1a. end to end, Nova-shaped build-up",
    "1b. end to end, Nova-shaped stream on the built cloud",
    "2. apply only",
    "2. Neo4j's own ceiling, build-up: rows made in Cypher",
    "2. Neo4j's own ceiling on the built keyspace",
    "2. Python driver's ceiling",
    "3. naive",
    "4. Watcher's `VersionedNotification`",
    "6. reconcile",
    "6. client",
    "6. memory",
)
FIRST_SIZE_ROWS = (
    "1c. end to end, the same stream, `[sync] processes = 2`",
    "1d. end to end, the simulator's stream",
    "load the simulator's cloud",
    "1. broker ceiling: plain kombu",
    "1. broker ceiling: oslo.messaging's batch listener",
    "1. broker ceiling: the same no-op listener, Python's collector set as the sync sets it",
    "5. latency publish to commit, [sync] batch_timeout = 0.05 s (the default)",
    "5. latency publish to commit, [sync] batch_timeout = 0.1 s",
    "5. latency publish to commit, [sync] batch_timeout = 0.5 s",
)
# End-to-end runs whose graph is compared with the stream's truth, and must equal it.
CHECKED_RUNS = ("1a. build-up", "1b. on the built cloud", "2. apply only", "3. naive")
FIRST_SIZE_CHECKED_RUNS = ("1c. ", "1d. simulator stream", "5. latency runs", "profile of the sync")
SIZES = ("quick: 20 hosts", "quick: 60 hosts")
MACHINE = (
    "CPU", "cores", "memory", "load average before the run", "Python", "Neo4j",
    "CPU stolen by the hypervisor during the run",
    "plain kombu's ceiling against the run these results replace: unknown",
)


def test_quick_bench_writes_every_row(
    neo4j_target: dict[str, Any], transport_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("watcher", reason="the bench compares with python-watcher")
    output = tmp_path / "RESULTS.md"
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_target["uri"],
        "NEO4J_USERNAME": neo4j_target["username"],
        "NEO4J_PASSWORD": neo4j_target["password"],
        "TRANSPORT_URL": transport_url,
    }
    # --force: the test Neo4j holds other tests' graphs, which they wipe themselves.
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--profile", "--force", "--output",
         str(output)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-5000:]
    table = output.read_text()
    assert "python -m bench --quick" in table
    for name in MACHINE:
        assert f"- {name}" in table, name
    results, checks = _section(table, "## Results"), _section(table, "## Correctness under load")
    for size in SIZES:
        expected = ROWS + (FIRST_SIZE_ROWS if size == SIZES[0] else ())
        for row in expected:
            assert any(row in line and size in line for line in results), (row, size, table)
        runs = CHECKED_RUNS + (FIRST_SIZE_CHECKED_RUNS if size == SIZES[0] else ())
        for run in runs:
            # Every line of the run: (1b) at the first size runs in rounds, a line each.
            lines = [line for line in checks if run in line and size in line]
            assert lines, (run, size, table)
            for line in lines:
                # differences, left in the queue (n/a without a broker), dead letters
                differences, left, dead = (cell.strip() for cell in line.split("|")[3:6])
                assert (differences, dead) == ("0", "0"), line
                assert left in ("0", "n/a"), line
    targets = _section(table, "## Targets (issue 12)")
    assert any("end to end vs Watcher's handler" in line for line in targets), table
    # (1b) at the first size: a round a line, each beside the no-op listener's drains.
    rounds = [line for line in checks if "1b. on the built cloud, round" in line]
    assert len(rounds) == PAIRED_ROUNDS, checks
    first_e2e = next(line for line in results if ROWS[1] in line and SIZES[0] in line)
    assert f"{PAIRED_ROUNDS} rounds, each beside the no-op listener's drains" in first_e2e
    assert any(f"(the median of {PAIRED_ROUNDS} rounds:" in line for line in targets), targets
    assert any("the no-op with the sync's collector settings (its rounds:" in line
               for line in targets), targets
    # (1c) in the same rounds: a drain each, compared with the one-process drain next to it.
    assert len([line for line in checks if "1c. " in line and ", round " in line]) == PAIRED_ROUNDS
    first_processes = next(line for line in results if FIRST_SIZE_ROWS[0] in line)
    assert f"{PAIRED_ROUNDS} rounds (two processes / one)" in first_processes, first_processes
    assert any(f"one process drained next to it (the median of {PAIRED_ROUNDS} rounds:" in line
               for line in targets), targets
    # The peak RSS names the drain it was reached in.
    assert any("peak RSS of one sync process" in line and "one-process drains" in line
               for line in targets), targets
    assert "cProfile of every thread of the sync process" in table
    assert "| function, by own time |" in table
    assert "not measured" not in table


def _section(table: str, title: str) -> list[str]:
    """The table rows of one section of RESULTS.md."""
    part = table.split(title, 1)[1].split("\n## ", 1)[0]
    return [line for line in part.splitlines() if line.startswith("| ")]
