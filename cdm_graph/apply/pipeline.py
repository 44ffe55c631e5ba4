"""Decode and apply a batch of notifications, setting aside the ones that cannot be applied.

A bad message never costs its neighbours: decoding refuses it alone, and should Neo4j refuse
a batch for a reason retrying cannot cure, the batch is split until the culprit stands alone.

Before decoding, every message, whatever its source (the synchronizer, a replay, a dead
letter replayed), meets the ``Guard``: a time too far ahead of this host's clock, or a payload
too large, sets it aside with its reason.
"""

from __future__ import annotations

import json
import logging
import marshal
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from neo4j.exceptions import AuthError, ConfigurationError, Forbidden, Neo4jError

from cdm_graph.apply.writer import GraphWriter
from cdm_graph.families import REGISTRY, decode
from cdm_graph.families.base import Event
from cdm_graph.gateway import RETRYABLE
from cdm_graph.transport.envelope import Envelope, Rejected, Rejection, Skipped

if TYPE_CHECKING:
    from oslo_config import cfg

LOG = logging.getLogger(__name__)

# Errors no message is to blame for: they stop the work instead of setting messages aside.
FATAL = (AuthError, Forbidden, ConfigurationError)

# How many messages the decoding thread of ``process_batches`` decodes before it lets go of
# the interpreter. The applying thread, back from Neo4j, then waits for it about that many
# messages' decoding (tens of microseconds) instead of the interpreter's switch interval (5 ms,
# at each of a batch's round trips): measured, every 10 messages made the Nova-shaped stream
# 18% faster than one batch after another, every batch whole no faster.
DECODE_SLICE = 10

# [graph] max_clock_skew and [sync] max_message_bytes, when no configuration says otherwise.
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_MESSAGE_BYTES = 1024 * 1024


def utcnow() -> datetime:
    """This host's clock, as oslo.messaging stamps notifications (naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Guard:
    """What a message must meet before it is decoded.

    Its time (the publishing host's clock) no further ahead of this host's clock than
    ``max_skew``: one event stamped ahead would outvote every real event after it until its
    time came, so it is set aside, to be replayed once it is no longer ahead. Its payload no
    larger than ``max_bytes`` as JSON (0: no bound). ``now`` is this host's clock.
    """

    max_skew: timedelta = MAX_CLOCK_SKEW
    max_bytes: int = MAX_MESSAGE_BYTES
    now: Callable[[], datetime] = utcnow

    @classmethod
    def configured(cls, conf: cfg.ConfigOpts) -> Guard:
        """The bounds ``[graph] max_clock_skew`` and ``[sync] max_message_bytes`` set."""
        return cls(timedelta(seconds=conf.graph.max_clock_skew), conf.sync.max_message_bytes)

    def limit(self) -> datetime:
        """The latest time an event may carry now."""
        return self.now() + self.max_skew

    def ahead(self, envelope: Envelope, now: datetime) -> str | None:
        """Why ``envelope`` is too far ahead of ``now`` to be applied; None if it is not."""
        ahead = envelope.time - now
        if ahead <= self.max_skew:
            return None
        return (
            f"timestamp {envelope.time.isoformat(sep=' ')} ahead of this host's clock by "
            f"{timedelta(seconds=round(ahead.total_seconds()))} (more than max_clock_skew, "
            f"{self.max_skew.total_seconds():.0f} s): the clock of "
            f"{envelope.publisher_id or 'its publisher'} is probably wrong"
        )

    def oversized(self, envelope: Envelope) -> str | None:
        """Why ``envelope``'s payload is too large to be applied; None if it is not."""
        if not self.max_bytes:
            return None
        size = payload_size(envelope.payload)
        if size <= self.max_bytes:
            return None
        return f"payload of {size} bytes, more than max_message_bytes ({self.max_bytes})"


def payload_size(payload: Any) -> int:
    """A payload's size in bytes: its strings in UTF-8 and its structure, within a few
    percent of its JSON. Measured with marshal's version 2 (no references between equal
    values, so that each counts): a third of what serializing it to JSON again costs."""
    try:
        return len(marshal.dumps(payload, 2))
    except ValueError:  # not what a JSON parser makes (a captured message's dates)
        return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str))


@dataclass(slots=True)
class Outcome:
    applied: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    # Of the rejected, those stamped too far ahead of this host's clock, by publisher.
    ahead: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Outcome) -> None:
        self.applied.update(other.applied)
        self.skipped.update(other.skipped)
        self.rejected.extend(other.rejected)
        self.ahead.update(other.ahead)


def decode_batch(
    envelopes: Sequence[Envelope], guard: Guard | None = None, yield_every: int = 0
) -> tuple[list[tuple[Envelope, Event]], Outcome]:
    """Each message decoded to its family's event, or skipped, or set aside with its reason.
    Only a message the graph would take meets the ``guard`` (default: the default bounds on
    this host's clock): one no family claims is skipped, whatever its time or size. With
    ``yield_every``, the interpreter is let go of after that many messages (see
    ``DECODE_SLICE``)."""
    guard = guard or Guard()
    now = guard.now()
    decoded: list[tuple[Envelope, Event]] = []
    outcome = Outcome()
    for position, envelope in enumerate(envelopes, start=1):
        if yield_every and not position % yield_every:
            time.sleep(0)  # lets a thread waiting for the interpreter run
        reason = None
        try:
            if envelope.event_type in REGISTRY.claims:
                reason = guard.ahead(envelope, now)
                if reason is not None:
                    outcome.ahead[envelope.publisher_id] += 1
                else:
                    reason = guard.oversized(envelope)
            if reason is None:
                decoded.append((envelope, decode(envelope)))
        except Skipped as skip:
            LOG.debug("skipped: %s", skip)
            outcome.skipped[envelope.event_type] += 1
        except Rejected as rejection:
            reason = str(rejection)
        except Exception as error:  # a decoder bug must cost this message only, and be seen
            reason = f"cannot decode: {error!r}"
        if reason is not None:
            LOG.debug("rejected %s: %s", envelope.event_type, reason)
            outcome.rejected.append(Rejection(reason, envelope, envelope.event_type))
    return decoded, outcome


def process_batch(
    writer: GraphWriter, envelopes: Sequence[Envelope], guard: Guard | None = None
) -> Outcome:
    """Guard, decode and apply; what could not be applied comes back in ``Outcome.rejected``.

    Errors that waiting may cure (Neo4j away) propagate after the writer's retries: the
    caller must not acknowledge the batch then.
    """
    decoded, outcome = decode_batch(envelopes, guard)
    _apply_isolating(writer, decoded, outcome)
    return outcome


def process_batches(
    writer: GraphWriter,
    batches: Iterable[Sequence[Envelope]],
    guard: Guard | None = None,
) -> Iterator[Outcome]:
    """``process_batch`` of each batch, in order, one transaction at a time: the outcome of
    each, as it is applied. Each batch is taken from ``batches`` and decoded in a thread of
    its own while the batch before it is applied, since decoding is the interpreter's work and
    applying mostly waits for Neo4j. At most one batch is decoded ahead; an error taking or
    decoding a batch is raised here, before that batch would have been applied.

    For a stream in hand (``cdm-graph replay``). The synchronizer does not need it: its
    ``[sync] workers`` already apply a batch while another is decoded."""
    source = iter(batches)

    def decoded_next() -> tuple[list[tuple[Envelope, Event]], Outcome] | None:
        envelopes = next(source, None)
        if envelopes is None:
            return None
        # Letting go often, so that the applying thread runs as soon as Neo4j answers it.
        return decode_batch(envelopes, guard, yield_every=DECODE_SLICE)

    with ThreadPoolExecutor(1, thread_name_prefix="cdm-graph-decode") as decoding:
        ahead = decoding.submit(decoded_next)
        while (current := ahead.result()) is not None:
            ahead = decoding.submit(decoded_next)
            decoded, outcome = current
            _apply_isolating(writer, decoded, outcome)
            yield outcome


def _apply_isolating(
    writer: GraphWriter, decoded: list[tuple[Envelope, Event]], outcome: Outcome
) -> None:
    if not decoded:
        return
    try:
        writer.apply_batch([event for _, event in decoded])
    except (*RETRYABLE, *FATAL):
        raise
    except Exception as error:  # Neo4j refused the batch, or a bug: find the culprit
        if len(decoded) == 1:
            envelope = decoded[0][0]
            reason = (
                f"Neo4j refused it: {error.code}: {error.message}"
                if isinstance(error, Neo4jError)
                else f"cannot apply: {error!r}"
            )
            LOG.debug("rejected %s: %s", envelope.event_type, reason)
            outcome.rejected.append(Rejection(reason, envelope, envelope.event_type))
            return
        middle = len(decoded) // 2
        _apply_isolating(writer, decoded[:middle], outcome)
        _apply_isolating(writer, decoded[middle:], outcome)
        return
    outcome.applied.update(envelope.event_type for envelope, _ in decoded)
