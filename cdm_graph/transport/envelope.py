"""The envelope of a notification, from the forms it comes in: oslo.messaging's listener
arguments, its wire format, captured JSON lines, and Nova's sample files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class Rejected(ValueError):
    """A message that cannot be applied: it is set aside with this reason."""


class Skipped(Exception):
    """A well-formed message that has nothing to do with the compute data model."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message set aside, with why; ``message`` is what arrived, for an operator to replay."""

    reason: str
    message: Any
    event_type: str | None = None


@dataclass(frozen=True, slots=True)
class Envelope:
    """One notification as oslo.messaging hands it over."""

    event_type: str
    payload: Any
    time: datetime
    publisher_id: str = ""
    priority: str = "INFO"
    message_id: str | None = None

    @property
    def identity(self) -> str:
        """What every copy of this message carries and no other message does, to break a tie
        of times (``cdm_graph.plan.clock``): oslo.messaging's ``message_id``, which Nova always
        sends; else a digest of the message itself, the same wherever it is read again (a
        replayed file, the dead-letter store)."""
        if isinstance(self.message_id, str) and self.message_id:
            return self.message_id
        content = [
            self.event_type,
            self.publisher_id,
            self.priority,
            self.time.isoformat(timespec="microseconds"),
            self.payload,
        ]
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def parse_event_time(value: Any) -> datetime:
    """oslo.messaging's ``metadata['timestamp']``: naive UTC ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise Rejected(f"timestamp {value!r} is not an ISO date and time") from exc
    else:
        raise Rejected(f"timestamp must be a string, got {type(value).__name__}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def from_listener(
    publisher_id: str,
    event_type: str,
    payload: Any,
    metadata: Mapping[str, Any],
    priority: str = "INFO",
) -> Envelope:
    """What an oslo.messaging notification endpoint receives."""
    if not isinstance(event_type, str) or not event_type:
        raise Rejected("event_type is missing")
    if "timestamp" not in metadata:
        raise Rejected("metadata has no timestamp")
    return Envelope(
        event_type=event_type,
        payload=payload,
        time=parse_event_time(metadata["timestamp"]),
        publisher_id=publisher_id or "",
        priority=priority,
        message_id=metadata.get("message_id"),
    )


def from_record(record: Any, default_time: datetime | None = None) -> Envelope:
    """One captured message: the messagingv2 wire form ``{"oslo.version", "oslo.message"}``,
    the message inside it (``timestamp`` and ``message_id`` at top level), or the listener's
    view (``metadata``). A Nova sample has no timestamp: ``default_time`` stands in for it."""
    if not isinstance(record, Mapping):
        raise Rejected(f"a message must be a JSON object, got {type(record).__name__}")
    if "oslo.message" in record:
        try:
            record = json.loads(record["oslo.message"])
        except (TypeError, json.JSONDecodeError) as exc:
            raise Rejected(f"oslo.message is not JSON: {exc}") from exc
        if not isinstance(record, Mapping):
            raise Rejected("oslo.message is not a JSON object")
    metadata = dict(record.get("metadata") or {})
    for key in ("timestamp", "message_id"):
        if key in record:
            metadata.setdefault(key, record[key])
    if "timestamp" not in metadata and default_time is not None:
        metadata["timestamp"] = default_time
    if "payload" not in record:
        raise Rejected("message has no payload")
    return from_listener(
        publisher_id=record.get("publisher_id", ""),
        event_type=record.get("event_type"),  # type: ignore[arg-type]  # from_listener checks
        payload=record["payload"],
        metadata=metadata,
        priority=record.get("priority", "INFO"),
    )


def to_record(envelope: Envelope) -> dict[str, Any]:
    """The inverse of ``from_record``: a JSON-ready message with its metadata."""
    return {
        "event_type": envelope.event_type,
        "publisher_id": envelope.publisher_id,
        "priority": envelope.priority,
        "payload": envelope.payload,
        "metadata": {
            "message_id": envelope.message_id,
            "timestamp": envelope.time.isoformat(sep=" ", timespec="microseconds"),
        },
    }
