"""A batch Neo4j refuses is split until the message it refuses stands alone; the guard sets
aside, before decoding, what is stamped too far ahead of the clock or too large; a stream of
batches is applied in order, each decoded while the one before it is applied."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from neo4j.exceptions import ClientError, ServiceUnavailable
from oslo_config import cfg

from cdm_graph import config
from cdm_graph.apply.pipeline import Guard, process_batch, process_batches, utcnow
from tests.nova import notification


class RefusingWriter:
    """Refuses any batch holding an instance named ``refused``, as Neo4j would a bad value."""

    def __init__(self, error=None):
        self.applied = []
        self.error = error

    def apply_batch(self, events):
        if any(getattr(e, "properties", {}).get("name") == "refused" for e in events):
            raise self.error or ClientError("Neo.ClientError.Statement.TypeError: bad value")
        self.applied.extend(events)


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def test_the_refused_message_is_isolated_and_the_rest_applied():
    batch = [notification("instance.update", n, uuid=uuid(n)) for n in range(7)]
    batch[4] = notification("instance.update", 4, uuid=uuid(4), display_name="refused")
    writer = RefusingWriter()
    outcome = process_batch(writer, batch)
    assert [r.message for r in outcome.rejected] == [batch[4]]
    assert "Neo4j refused it" in outcome.rejected[0].reason
    assert sorted(e.uuid for e in writer.applied) == [uuid(n) for n in (0, 1, 2, 3, 5, 6)]
    assert outcome.applied == {"instance.update": 6}


def test_neo4j_being_away_is_not_a_rejection():
    writer = RefusingWriter(ServiceUnavailable("connection refused"))
    with pytest.raises(ServiceUnavailable):
        process_batch(writer, [notification("instance.update", 1, display_name="refused")])


# --------------------------------------------------------------------------- the guard

NOW = datetime(2026, 6, 1, 12, 0, 0)


def guard(**bounds) -> Guard:
    return Guard(now=lambda: NOW, **bounds)


def test_an_event_ahead_of_the_clock_is_set_aside_with_its_reason_and_the_rest_applied():
    late = notification("instance.update", NOW + timedelta(hours=2), uuid=uuid(1))
    late = replace(late, publisher_id="nova-compute:skewed")
    batch = [notification("instance.update", NOW - timedelta(seconds=1), uuid=uuid(0)), late,
             notification("instance.update", NOW + timedelta(minutes=4), uuid=uuid(2))]
    writer = RefusingWriter()
    outcome = process_batch(writer, batch, guard())
    [rejection] = outcome.rejected
    assert rejection.message is late
    assert rejection.reason.startswith(
        "timestamp 2026-06-01 14:00:00 ahead of this host's clock by 2:00:00 "
        "(more than max_clock_skew, 300 s): the clock of nova-compute:skewed"
    )
    assert outcome.ahead == {"nova-compute:skewed": 1}
    assert sorted(e.uuid for e in writer.applied) == [uuid(0), uuid(2)]


def test_the_clock_bound_is_inclusive():
    at_bound = notification("instance.update", NOW + timedelta(seconds=60), uuid=uuid(0))
    beyond = notification("instance.update", NOW + timedelta(seconds=60, microseconds=1))
    outcome = process_batch(RefusingWriter(), [at_bound, beyond],
                            guard(max_skew=timedelta(seconds=60)))
    assert [r.message for r in outcome.rejected] == [beyond]


def test_an_event_the_graph_does_not_take_is_skipped_whatever_its_time():
    outcome = process_batch(
        RefusingWriter(), [notification("instance.live_migration_post.end", datetime(2099, 1, 1))],
        guard(),
    )
    assert outcome.rejected == [] and outcome.skipped == {"instance.live_migration_post.end": 1}


def test_a_payload_over_the_size_bound_is_set_aside_with_its_size():
    big = notification("instance.update", NOW, metadata={f"k{n}": "v" * 200 for n in range(40)})
    writer = RefusingWriter()
    outcome = process_batch(writer, [big, notification("instance.update", NOW, uuid=uuid(1))],
                            guard(max_bytes=4096))
    [rejection] = outcome.rejected
    assert re.fullmatch(
        r"payload of \d+ bytes, more than max_message_bytes \(4096\)", rejection.reason
    )
    assert [e.uuid for e in writer.applied] == [uuid(1)]
    assert process_batch(RefusingWriter(), [big], guard(max_bytes=0)).rejected == []


def test_the_guard_takes_its_bounds_from_the_configuration():
    conf = cfg.ConfigOpts()
    config.register(conf)
    conf(args=[], default_config_files=[])
    configured = Guard.configured(conf)
    assert (configured.max_skew, configured.max_bytes) == (timedelta(seconds=300), 1024 * 1024)
    assert configured.now is utcnow


# --------------------------------------------------------------------------- a stream of batches


def _decoding_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("cdm-graph-decode")]


def test_batches_are_applied_in_order_each_with_its_own_outcome():
    batches = [
        [notification("instance.update", n, uuid=uuid(n)) for n in range(start, start + 25)]
        for start in (0, 25, 50)
    ]
    batches[1][3] = notification("instance.update", 28, uuid=uuid(28), display_name="refused")
    writer = RefusingWriter()
    outcomes = list(process_batches(writer, batches))
    assert [e.uuid for e in writer.applied] == [uuid(n) for n in range(75) if n != 28]
    assert [sum(o.applied.values()) for o in outcomes] == [25, 24, 25]
    assert [[r.message for r in o.rejected] for o in outcomes] == [[], [batches[1][3]], []]
    assert _decoding_threads() == []


def test_the_next_batch_is_decoded_while_one_is_applied():
    next_batch_taken = threading.Event()

    def batches():
        yield [notification("instance.update", 0, uuid=uuid(0))]
        next_batch_taken.set()
        yield [notification("instance.update", 1, uuid=uuid(1))]

    class WaitingWriter(RefusingWriter):
        def apply_batch(self, events):
            if not self.applied:
                # The first batch's transaction is still open when the second is taken.
                assert next_batch_taken.wait(timeout=10)
            super().apply_batch(events)

    writer = WaitingWriter()
    assert [sum(o.applied.values()) for o in process_batches(writer, batches())] == [1, 1]


def test_neo4j_being_away_stops_the_stream_and_its_decoding():
    writer = RefusingWriter(ServiceUnavailable("connection refused"))
    batches = [[notification("instance.update", n, uuid=uuid(n), display_name="refused")]
               for n in range(3)]
    with pytest.raises(ServiceUnavailable):
        list(process_batches(writer, batches))
    assert _decoding_threads() == []


def test_an_error_reading_the_stream_reaches_the_caller_after_the_batches_before_it():
    def batches():
        yield [notification("instance.update", 0, uuid=uuid(0))]
        raise OSError("capture unreadable")

    writer = RefusingWriter()
    applied = []
    with pytest.raises(OSError, match="capture unreadable"):
        for outcome in process_batches(writer, batches()):
            applied.append(sum(outcome.applied.values()))
    assert applied == [1] and [e.uuid for e in writer.applied] == [uuid(0)]
    assert _decoding_threads() == []


def test_a_stream_decoded_ahead_meets_the_guard_like_one_batch():
    late = notification("instance.update", NOW + timedelta(hours=2), uuid=uuid(1))
    batch = [notification("instance.update", NOW, uuid=uuid(n)) for n in range(30)]
    batch[17] = late
    [outcome] = process_batches(RefusingWriter(), [batch], guard())
    assert [r.message for r in outcome.rejected] == [late]
    assert outcome.applied == {"instance.update": 29}
