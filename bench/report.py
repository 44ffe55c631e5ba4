"""The results: the table of figures and ratios, the correctness of every end-to-end run,
issue 12's targets met or missed and by how much, the profile, and the machine."""

from __future__ import annotations

import os
import platform
import re
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
class Check:
    """The graph after one end-to-end run, against the truth of the stream it drained."""

    run: str
    size: str
    differences: list[str]
    left_in_queue: int | None
    dead_letters: int
    retries: int | None
    driver_retries: int | None

    @property
    def clean(self) -> bool:
        return not self.differences and not self.left_in_queue and not self.dead_letters


@dataclass(slots=True)
class Target:
    """One row of issue 12's targets."""

    figure: str
    today: str
    target: str
    measured: str
    verdict: str


NOT_PROFILED = "Not profiled in this run: `python -m bench --profile` writes the profiles here."
# Differences shown in the table for each run; the count is always whole.
SHOWN_DIFFERENCES = 3


@dataclass(slots=True)
class Report:
    command: str
    machine: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, measurement: str, size: str, figure: str, comparison: str = "",
            target: str = "") -> Row:  # fmt: skip
        row = Row(measurement, size, figure, comparison, target)
        self.rows.append(row)
        return row

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
            "## Correctness under load",
            "",
            "After each run the graph is read back (`tests/cypher/truth_view.cypher`) and "
            "compared with the truth of the cloud the stream ends with; the pool's queue and "
            "the dead-letter store should be empty, and no transaction retried.",
            "",
            "| run | cloud | differences from the truth | left in the pool's queue | "
            "dead letters | `cdm_graph_neo4j_retries_total` | transactions the driver "
            "retried | first differences |",
            "|---|---|---|---|---|---|---|---|",
            *(self._check_line(check) for check in self.checks),
            "",
            "## Targets (issue 12)",
            "",
            "| figure | today (measured as a new user) | target | this run | verdict |",
            "|---|---|---|---|---|",
            *(
                f"| {t.figure} | {t.today} | {t.target} | {t.measured} | {t.verdict} |"
                for t in self.targets
            ),
            "",
            "## Where the time goes",
            "",
            *(self.profile or [NOT_PROFILED]),
            "",
            "## Notes",
            "",
            *(f"- {note}" for note in self.notes),
            "",
        ]
        return "\n".join(lines)

    @staticmethod
    def _check_line(check: Check) -> str:
        def known(value: int | None) -> str:
            return "n/a" if value is None else f"{value:,}"

        count = len(check.differences)
        shown = "; ".join(check.differences[:SHOWN_DIFFERENCES]).replace("|", "/")
        if count > SHOWN_DIFFERENCES:
            shown += f"; ... {count - SHOWN_DIFFERENCES:,} more"
        differences = f"{count:,}" if not count else f"**{count:,}**"
        return (
            f"| {check.run} | {check.size} | {differences} | {known(check.left_in_queue)} | "
            f"{check.dead_letters:,} | {known(check.retries)} | {known(check.driver_retries)} "
            f"| {shown} |"
        )

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
    if not target:
        return f"{sign} {target:g}{unit}: **missed** by {_amount(abs(value - target))}{unit}"
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


# From this share of stolen CPU on, the machine section says the run was slowed by it.
STOLEN_NOTABLE = 0.05


@dataclass(frozen=True, slots=True)
class CpuTicks:
    """The machine's CPU time so far, in clock ticks (``/proc/stat``'s first line): all of
    it, and what the hypervisor gave to other guests while this one wanted to run (steal)."""

    total: int
    stolen: int

    @classmethod
    def read(cls, stat: str = "/proc/stat") -> CpuTicks | None:
        try:
            fields = Path(stat).read_text().splitlines()[0].split()
        except (OSError, IndexError):
            return None
        # cpu user nice system idle iowait irq softirq steal [guest guest_nice]: the guest
        # times are already in user and nice.
        if fields[:1] != ["cpu"] or len(fields) < 9 or not all(
            value.isdigit() for value in fields[1:9]
        ):
            return None
        ticks = [int(value) for value in fields[1:9]]
        return cls(total=sum(ticks), stolen=ticks[7])


def stolen_share(before: CpuTicks | None, after: CpuTicks | None) -> str:
    """The share of the CPU time between two readings that the hypervisor took away: on a
    virtual machine, one reason a run is slower than another on the same code (the run's
    own ceilings, which share no code with the sync, show the machine's speed as a whole)."""
    if before is None or after is None or after.total <= before.total:
        return "unknown"
    share = (after.stolen - before.stolen) / (after.total - before.total)
    slower = " (the machine ran slower than it would alone)" if share >= STOLEN_NOTABLE else ""
    return f"{share:.0%}{slower}"


# The measurement of the broker's plain kombu ceiling, as the report names its row: the same
# code in every run, sharing none with the sync, so its rate compares one run's machine with
# another's.
KOMBU_CEILING = "1. broker ceiling: plain kombu consume, JSON-parse and batch-ack, the same bodies"
_RATE = re.compile(r"([\d,]+) notifications/s")


@dataclass(frozen=True, slots=True)
class KnownCeiling:
    """The plain kombu ceiling of one run, on one cloud."""

    cloud: str
    per_second: float


def kombu_ceiling_in(results: Path) -> KnownCeiling | None:
    """The kombu ceiling of the first cloud in a RESULTS.md (None: no such file or row)."""
    try:
        lines = results.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] == KOMBU_CEILING:
            rate = _RATE.match(cells[2])
            if rate is not None:
                return KnownCeiling(cells[1], float(rate.group(1).replace(",", "")))
    return None


def machine_speed(now: KnownCeiling | None, before: KnownCeiling | None) -> str:
    """How fast this run's machine was against the run whose results it replaces, by their
    kombu ceilings: rates and times move with the machine, ratios to a run's own ceilings
    much less."""
    if now is None or before is None or now.cloud != before.cloud or before.per_second <= 0:
        return "unknown (no kombu ceiling of the same cloud in the results this run replaces)"
    return (
        f"{now.per_second / before.per_second:.2f}x ({now.per_second:,.0f}/s against "
        f"{before.per_second:,.0f}/s, {now.cloud}): rates and times move with the machine; "
        "ratios to this run's own ceilings much less"
    )


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
