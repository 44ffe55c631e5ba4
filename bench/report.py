"""The results table: figures, ratios, targets met or missed and by how much, the machine."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from devstack.stack import HEAP_MAX, PAGECACHE


@dataclass(slots=True)
class Row:
    measurement: str
    size: str
    figure: str
    comparison: str = ""
    target: str = ""


@dataclass(slots=True)
class Report:
    command: str
    machine: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, measurement: str, size: str, figure: str, comparison: str = "",
            target: str = "") -> None:  # fmt: skip
        self.rows.append(Row(measurement, size, figure, comparison, target))

    def markdown(self) -> str:
        lines = [
            "# cdm-graph benchmarks",
            "",
            f"Produced by `{self.command}` in one run on the machine below.",
            "",
            "## Machine",
            "",
            *(f"- {name}: {value}" for name, value in self.machine.items()),
            "",
            "## Results",
            "",
            "| measurement | cloud | figure | compared with | target |",
            "|---|---|---|---|---|",
            *(
                f"| {r.measurement} | {r.size} | {r.figure} | {r.comparison} | {r.target} |"
                for r in self.rows
            ),
            "",
            "## Notes",
            "",
            *(f"- {note}" for note in self.notes),
            "",
        ]
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.write_text(self.markdown())


def _amount(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2g}"


def verdict(value: float, target: float, unit: str, higher_is_better: bool = True) -> str:
    """``met`` or ``missed``, and by how much, against ``target``."""
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    if met:
        return f"{sign} {target:g}{unit}: met"
    if higher_is_better:
        short = (target - value) / target * 100
        missed_by = f"{_amount(target - value)}{unit} ({short:.0f}% short)"
        return f"{sign} {target:g}{unit}: **missed** by {missed_by}"
    over = (value - target) / target * 100
    missed_by = f"{_amount(value - target)}{unit} ({over:.0f}% over)"
    return f"{sign} {target:g}{unit}: **missed** by {missed_by}"


def _first_line(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _rabbitmq_version() -> str:
    try:
        result = subprocess.run(
            ["rabbitmqctl", "-q", "version"], capture_output=True, text=True, timeout=30,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() or "unknown"


def machine(neo4j_version: str, load_before: tuple[float, float, float]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    mem_kib = _first_line("/proc/meminfo", "MemTotal").split()[0]
    cores = os.cpu_count() or 0
    busy = load_before[0] > 0.5 * cores
    return {
        "CPU": _first_line("/proc/cpuinfo", "model name"),
        "cores": str(cores),
        "memory": f"{int(mem_kib) / 1024 / 1024:.1f} GiB" if mem_kib.isdigit() else "unknown",
        "load average before the run (1, 5, 15 min)": ", ".join(f"{v:.2f}" for v in load_before)
        + (" (busy: other processes were using the machine)" if busy else ""),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Neo4j": neo4j_version,
        "Neo4j memory, if the local stack's": f"heap {HEAP_MAX}, page cache {PAGECACHE}",
        "RabbitMQ": _rabbitmq_version(),
        "neo4j driver": package("neo4j"),
        "oslo.messaging": package("oslo.messaging"),
        "python-watcher": package("python-watcher"),
    }
