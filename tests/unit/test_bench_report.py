"""The benchmark's results: a run whose graph differs from its stream's truth shows it."""

from __future__ import annotations

from pathlib import Path

from bench.report import (
    KOMBU_CEILING,
    Check,
    CpuTicks,
    KnownCeiling,
    Report,
    kombu_ceiling_in,
    machine_speed,
    stolen_share,
    verdict,
)


def _line(report: Report, run: str) -> str:
    return next(line for line in report.markdown().splitlines() if line.startswith(f"| {run} "))


def test_a_clean_run_shows_zeros() -> None:
    report = Report("python -m bench")
    report.checks.append(Check("1b. on the built cloud", "tiny", [], 0, 0, 0, 0))
    cells = [cell.strip() for cell in _line(report, "1b. on the built cloud").split("|")]
    assert cells[3:8] == ["0", "0", "0", "0", "0"]


def test_missing_and_extra_elements_are_counted_and_the_first_shown() -> None:
    differences = [
        "instances a: missing from the graph",
        "instances b: in the graph but not in the truth: {'host': 'compute-1'}",
        "compute_nodes compute-2: expected {'status': 'enabled'}, got {'status': 'disabled'}",
        "instances c: missing from the graph",
        "instances d: missing from the graph",
    ]
    report = Report("python -m bench")
    report.checks.append(Check("1a. build-up", "tiny", differences, 3, 1, None, 2))
    line = _line(report, "1a. build-up")
    assert "| **5** |" in line
    assert "instances a: missing from the graph" in line
    assert "instances b: in the graph but not in the truth" in line
    assert "2 more" in line
    assert "| n/a |" in line  # the retries metric could not be read


def test_verdicts_say_by_how_much() -> None:
    assert verdict(1_600, 1_500, " /s") == ">= 1500 /s: met"
    assert "**missed** by 1,200 /s (80% short)" in verdict(300, 1_500, " /s")
    assert "**missed** by 3" in verdict(3, 0, "", higher_is_better=False)


def _stat(path: Path, user: int, idle: int, steal: int) -> str:
    # cpu user nice system idle iowait irq softirq steal guest guest_nice, then a core's line
    path.write_text(f"cpu  {user} 0 0 {idle} 0 0 0 {steal} 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n")
    return str(path)


def test_the_cpu_stolen_during_a_run_is_its_share_of_the_machines_time(tmp_path: Path) -> None:
    before = CpuTicks.read(_stat(tmp_path / "before", user=100, idle=100, steal=0))
    after = CpuTicks.read(_stat(tmp_path / "after", user=250, idle=150, steal=100))
    assert stolen_share(before, after) == "33% (the machine ran slower than it would alone)"


def test_a_run_with_no_cpu_stolen_says_zero(tmp_path: Path) -> None:
    before = CpuTicks.read(_stat(tmp_path / "before", user=100, idle=100, steal=5))
    after = CpuTicks.read(_stat(tmp_path / "after", user=200, idle=200, steal=5))
    assert stolen_share(before, after) == "0%"


def test_the_cpu_stolen_is_unknown_where_proc_stat_cannot_be_read(tmp_path: Path) -> None:
    assert CpuTicks.read(str(tmp_path / "absent")) is None
    (tmp_path / "garbled").write_text("cpu  1 2 three\n")
    assert CpuTicks.read(str(tmp_path / "garbled")) is None
    assert stolen_share(None, CpuTicks(total=10, stolen=0)) == "unknown"


def _results_with_kombu_ceiling(path: Path, cloud: str, figure: str) -> Path:
    report = Report("python -m bench")
    report.add("1a. end to end, build-up", cloud, "872 notifications/s (21,002 in 24.1 s)")
    report.add(KOMBU_CEILING, cloud, figure, "its CPU: 0.77 cores")
    report.add(KOMBU_CEILING, "10,000 hosts / 200,000 instances", "9,900 notifications/s")
    report.write(path)
    return path


def test_the_machines_speed_is_its_kombu_ceiling_against_the_results_it_replaces(
    tmp_path: Path,
) -> None:
    cloud = "1,000 hosts / 20,000 instances"
    results = _results_with_kombu_ceiling(
        tmp_path / "RESULTS.md", cloud, "9,332 notifications/s (100,001 in 10.7 s, 201 batches)"
    )
    replaced = kombu_ceiling_in(results)
    assert replaced == KnownCeiling(cloud, 9332.0)
    assert machine_speed(KnownCeiling(cloud, 5616.0), replaced).startswith(
        "0.60x (5,616/s against 9,332/s, 1,000 hosts / 20,000 instances): "
    )


def test_the_machines_speed_is_unknown_without_a_kombu_ceiling_of_the_same_cloud(
    tmp_path: Path,
) -> None:
    assert kombu_ceiling_in(tmp_path / "absent.md") is None
    results = _results_with_kombu_ceiling(tmp_path / "RESULTS.md", "tiny", "800 notifications/s")
    now = KnownCeiling("1,000 hosts / 20,000 instances", 5616.0)
    assert machine_speed(now, kombu_ceiling_in(results)).startswith("unknown")
    assert machine_speed(now, None).startswith("unknown")
