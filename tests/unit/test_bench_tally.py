"""The bench counts what the syncs committed from their logs as the logs grow."""

from __future__ import annotations

from pathlib import Path

from bench.broker import CommittedTally

COMMITTED = (
    "2026-12-02 12:24:07.896 6914 DEBUG cdm_graph.sync.handler [-] batch committed: "
    "messages={} applied=47 skipped=27 dead_lettered=0 seconds=0.201 lag=0.460 handle "
    "/work/main/cdm_graph/sync/handler.py:149\n"
)


def test_each_count_adds_the_batches_written_since_the_last_line_by_line(tmp_path: Path) -> None:
    first, second = tmp_path / "sync-1.log", tmp_path / "sync-2.log"
    first.write_text("2026-12-02 12:24:07.001 6914 INFO consuming\n" + COMMITTED.format(74))
    second.write_text("")
    tally = CommittedTally([first, second])
    assert tally.count() == 74
    line = COMMITTED.format(500)
    with second.open("a") as log:
        log.write(line[:40])  # a line being written is not counted until it ends
    assert tally.count() == 74
    with second.open("a") as log:
        log.write(line[40:] + COMMITTED.format(6))
    assert tally.count() == 580
    assert tally.count() == 580
