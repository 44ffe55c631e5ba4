"""``cdm-graph replay``: apply captured notifications to Neo4j without a broker.

Inputs are Nova sample files (``$ref`` resolved) or JSON lines of oslo.messaging messages.
A sample carries no timestamp: the replay gives the messages without one the start time plus
one millisecond per message, in the order they are read, so the order of the files is the
order of Nova's clock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from cdm_graph.apply.pipeline import Guard, Outcome, process_batches
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.transport.envelope import Envelope, Rejected, Rejection, from_record
from cdm_graph.transport.samples import SampleError, resolve_refs

LOG = logging.getLogger(__name__)
STEP = timedelta(milliseconds=1)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files in the order given; a folder gives its own ``*.json`` and ``*.jsonl``, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix in {".json", ".jsonl"})
            )
        else:
            files.append(path)
    return files


def read_messages(
    files: Sequence[Path], start: datetime
) -> Iterator[Envelope | Rejection]:
    """Envelopes, or a rejection for what cannot be read; never stops at a bad line."""
    clock = start
    for path in files:
        try:
            text = path.read_text()
        except OSError as exc:
            yield Rejection(f"{path}: cannot read: {exc}", str(path))
            continue
        if path.suffix == ".jsonl":
            sources = [
                (f"{path}:{number}", line)
                for number, line in enumerate(text.splitlines(), start=1)
                if line.strip()
            ]
        else:
            sources = [(str(path), text)]
        for where, source in sources:
            try:
                record = json.loads(source)
                # Only Nova's sample files refer to common payloads; captured messages are
                # whole, and walking every one of them costs as much as parsing it.
                if '"$ref"' in source:
                    record = resolve_refs(record, path.parent)
                envelope = from_record(record, default_time=clock)
            except (json.JSONDecodeError, SampleError, Rejected) as exc:
                yield Rejection(f"{where}: {exc}", source)
                continue
            clock += STEP
            yield envelope


def replay(
    writer: GraphWriter,
    files: Sequence[Path],
    start: datetime,
    batch_size: int = 500,
    guard: Guard | None = None,
) -> Outcome:
    """Apply the files' messages in batches, each through ``guard`` (default bounds if
    None), each batch read and decoded while the one before it is applied; what is refused
    comes back with its reason (``summary`` prints them), what could not be read first."""
    unreadable: list[Rejection] = []

    def batches() -> Iterator[list[Envelope]]:
        batch: list[Envelope] = []
        for item in read_messages(files, start):
            if isinstance(item, Rejection):
                LOG.debug("rejected %s", item.reason)
                unreadable.append(item)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    outcome = Outcome()
    for applied in process_batches(writer, batches(), guard):
        outcome.merge(applied)
    outcome.rejected[:0] = unreadable
    return outcome


def summary(outcome: Outcome) -> str:
    lines = [
        f"applied: {sum(outcome.applied.values())}",
        f"skipped: {sum(outcome.skipped.values())}",
        f"rejected: {len(outcome.rejected)}",
    ]
    lines += [f"  applied {count} {kind}" for kind, count in sorted(outcome.applied.items())]
    lines += [f"  skipped {count} {kind}" for kind, count in sorted(outcome.skipped.items())]
    lines += [f"  rejected: {rejection.reason}" for rejection in outcome.rejected]
    return "\n".join(lines)
