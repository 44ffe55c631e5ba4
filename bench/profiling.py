"""Where the time goes: cProfile figures as the tables of RESULTS.md.

Own time is summed per package (the driver, oslo.messaging, kombu, cdm-graph, ...); a C
function (a socket read, ``json.loads``' scanner) counts for the package that called it, in
proportion to the calls, so that "neo4j" includes the driver's socket reads.
"""

from __future__ import annotations

import cProfile
import pstats
import sysconfig
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
TOP = 15
# Packages below this share of the time are left out of the table.
SMALLEST_SHARE = 0.005
C_FROM_C = "C functions called from C"

T = TypeVar("T")

# pstats' key of a function: (file, line, name); '~' is the file of a C function.
Key = tuple[str, int, str]


def profiled(call: Callable[[], T]) -> tuple[T, pstats.Stats]:
    """``call()`` under cProfile (wall time, this thread), and its figures."""
    profile = cProfile.Profile()
    result = profile.runcall(call)
    return result, pstats.Stats(profile)


def package_of(filename: str) -> str:
    """Who owns a file: an installed package, this repository's package, or the stdlib's
    module; ``~`` (a C function) stays unknown."""
    if filename == "~" or filename.startswith("<"):
        return "~"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        after = parts[parts.index("site-packages") + 1 :]
        return after[0].removesuffix(".py") if after else "site-packages"
    try:
        return path.resolve().relative_to(REPO).parts[0].removesuffix(".py")
    except ValueError:
        pass
    try:
        return "stdlib " + path.resolve().relative_to(STDLIB).parts[0].removesuffix(".py")
    except ValueError:
        return str(path.parent.name)


def label_of(key: Key) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        short = "/".join(parts[parts.index("site-packages") + 1 :])
    else:
        short = path.name
        for root in (REPO, STDLIB):
            try:
                short = str(path.resolve().relative_to(root))
                break
            except ValueError:
                continue
    return f"{short}:{line}({name})"


def _entries(stats: pstats.Stats) -> dict[Key, Any]:
    return stats.stats  # type: ignore[attr-defined, no-any-return]


def own_time_by_package(stats: pstats.Stats) -> dict[str, float]:
    shares: dict[str, float] = defaultdict(float)
    for key, (_, _, own, _, callers) in _entries(stats).items():
        package = package_of(key[0])
        if package != "~" or not callers:
            shares[package if package != "~" else C_FROM_C] += own
            continue
        # A C function's own time, split among its callers' packages by their calls.
        calls = sum(caller[1] for caller in callers.values()) or 1
        for caller_key, caller in callers.items():
            caller_package = package_of(caller_key[0])
            name = caller_package if caller_package != "~" else C_FROM_C
            shares[name] += own * caller[1] / calls
    return dict(shares)


def tables(stats: pstats.Stats, what: str, unit: str) -> list[str]:
    """Markdown: own time by package, then the top functions by own and cumulative time."""
    entries = _entries(stats)
    total = sum(entry[2] for entry in entries.values()) or 1.0
    lines = [
        f"{what}: {total:.1f} s of {unit} in all.",
        "",
        "| package | own time | share |",
        "|---|---|---|",
    ]
    by_package = sorted(own_time_by_package(stats).items(), key=lambda item: -item[1])
    lines += [
        f"| {package} | {seconds:.2f} s | {seconds / total:.0%} |"
        for package, seconds in by_package[:TOP]
        if seconds / total >= SMALLEST_SHARE
    ]
    lines += ["", "| function, by own time | calls | own | cumulative |"]
    lines += ["|---|---|---|---|"]
    by_own = sorted(entries.items(), key=lambda item: -item[1][2])[:TOP]
    lines += [
        f"| `{label_of(key)}` | {calls:,} | {own:.2f} s ({own / total:.0%}) | {cumulative:.2f} s |"
        for key, (_, calls, own, cumulative, _) in by_own
    ]
    lines += ["", "| function, by cumulative time | calls | own | cumulative |"]
    lines += ["|---|---|---|---|"]
    by_cumulative = sorted(entries.items(), key=lambda item: -item[1][3])[:TOP]
    lines += [
        f"| `{label_of(key)}` | {calls:,} | {own:.2f} s | {cumulative:.2f} s "
        f"({cumulative / total:.0%}) |"
        for key, (_, calls, own, cumulative, _) in by_cumulative
    ]
    return lines
