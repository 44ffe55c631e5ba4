"""Envelopes from the forms a notification comes in: oslo.messaging's listener arguments, its
wire format, captured JSON lines, and Nova's sample files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cdm_graph.events import Envelope, Rejected, parse_event_time


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
        event_type=record.get("event_type"),
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
