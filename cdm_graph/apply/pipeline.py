"""Decode and apply a batch of notifications, setting aside the ones that cannot be applied.

A bad message never costs its neighbours: decoding refuses it alone, and should Neo4j refuse
a batch for a reason retrying cannot cure, the batch is split until the culprit stands alone.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from neo4j.exceptions import AuthError, ConfigurationError, Forbidden, Neo4jError

from cdm_graph.apply.writer import GraphWriter
from cdm_graph.families import decode
from cdm_graph.families.base import Event
from cdm_graph.gateway import RETRYABLE
from cdm_graph.transport.envelope import Envelope, Rejected, Rejection, Skipped

LOG = logging.getLogger(__name__)

# Errors no message is to blame for: they stop the work instead of setting messages aside.
FATAL = (AuthError, Forbidden, ConfigurationError)


@dataclass(slots=True)
class Outcome:
    applied: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)

    def merge(self, other: Outcome) -> None:
        self.applied.update(other.applied)
        self.skipped.update(other.skipped)
        self.rejected.extend(other.rejected)


def decode_batch(envelopes: Sequence[Envelope]) -> tuple[list[tuple[Envelope, Event]], Outcome]:
    decoded: list[tuple[Envelope, Event]] = []
    outcome = Outcome()
    for envelope in envelopes:
        reason = None
        try:
            decoded.append((envelope, decode(envelope)))
        except Skipped as skip:
            LOG.debug("skipped: %s", skip)
            outcome.skipped[envelope.event_type] += 1
        except Rejected as rejection:
            reason = str(rejection)
        except Exception as error:  # a decoder bug must cost this message only, and be seen
            reason = f"cannot decode: {error!r}"
        if reason is not None:
            LOG.warning("rejected %s: %s", envelope.event_type, reason)
            outcome.rejected.append(Rejection(reason, envelope, envelope.event_type))
    return decoded, outcome


def process_batch(writer: GraphWriter, envelopes: Sequence[Envelope]) -> Outcome:
    """Decode and apply; what could not be applied comes back in ``Outcome.rejected``.

    Errors that waiting may cure (Neo4j away) propagate after the writer's retries: the
    caller must not acknowledge the batch then.
    """
    decoded, outcome = decode_batch(envelopes)
    _apply_isolating(writer, decoded, outcome)
    return outcome


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
            LOG.warning("rejected %s: %s", envelope.event_type, reason)
            outcome.rejected.append(Rejection(reason, envelope, envelope.event_type))
            return
        middle = len(decoded) // 2
        _apply_isolating(writer, decoded[:middle], outcome)
        _apply_isolating(writer, decoded[middle:], outcome)
        return
    outcome.applied.update(envelope.event_type for envelope, _ in decoded)
