"""The dead-letter store: messages that could not be applied, with why, kept in Neo4j where
an operator can list them (``cdm-graph deadletter list``) and replay them once the cause is
fixed (``cdm-graph deadletter replay``)."""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cdm_graph.apply.pipeline import Guard, process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.transport.envelope import Envelope, Rejected, Rejection, from_record, to_record

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    received_at: datetime
    event_type: str | None
    publisher_id: str | None
    reason: str
    attempts: int
    message: str


def _serialized(message: Any) -> str:
    if isinstance(message, Envelope):
        message = to_record(message)
    if isinstance(message, str):
        return message
    return json.dumps(message, sort_keys=True, default=str)


def _row(rejection: Rejection, now: datetime) -> dict[str, Any]:
    message = _serialized(rejection.message)
    message_id = None
    publisher_id = None
    if isinstance(rejection.message, Envelope):
        message_id, publisher_id = rejection.message.message_id, rejection.message.publisher_id
    elif isinstance(rejection.message, dict):
        message_id = (rejection.message.get("metadata") or {}).get("message_id")
        publisher_id = rejection.message.get("publisher_id")
    return {
        "id": message_id or hashlib.sha256(message.encode()).hexdigest(),
        "reason": rejection.reason,
        "event_type": rejection.event_type,
        "publisher_id": publisher_id,
        "message": message,
        "received_at": now,
    }


class DeadLetterStore:
    """The store, and the replay of its letters through ``guard`` (the bounds of
    ``cdm_graph.apply.pipeline``): one stamped ahead of the clock applies once it no longer is."""

    def __init__(self, writer: GraphWriter, guard: Guard | None = None) -> None:
        self._writer = writer
        self._guard = guard

    def store(self, rejections: Sequence[Rejection]) -> None:
        if not rejections:
            return
        now = datetime.now(UTC)
        rows = [_row(rejection, now) for rejection in rejections]
        self._writer.gateway.execute("deadletter/store", rows=rows)

    def list(self, limit: int = 1000) -> builtins.list[DeadLetter]:
        records = self._writer.gateway.query("deadletter/list", limit=limit)
        return [
            DeadLetter(
                id=r["id"],
                received_at=r["received_at"],
                event_type=r["event_type"],
                publisher_id=r["publisher_id"],
                reason=r["reason"],
                attempts=r["attempts"],
                message=r["message"],
            )
            for r in records
        ]

    def replay(
        self, ids: Iterable[str] | None = None
    ) -> tuple[builtins.list[str], builtins.list[DeadLetter]]:
        """Apply dead letters again; the applied ones are forgotten. Returns the ids applied
        and the letters still refused (with their new reason)."""
        wanted = set(ids) if ids is not None else None
        applied: list[str] = []
        refused: list[DeadLetter] = []
        for letter in self.list(limit=1_000_000):
            if wanted is not None and letter.id not in wanted:
                continue
            reason = self._apply(letter)
            if reason is None:
                applied.append(letter.id)
            else:
                refused.append(replace(letter, reason=reason))
                self._writer.gateway.execute(
                    "deadletter/store",
                    rows=[{
                        "id": letter.id,
                        "reason": reason,
                        "event_type": letter.event_type,
                        "publisher_id": letter.publisher_id,
                        "message": letter.message,
                        "received_at": datetime.now(UTC),
                    }],
                )
        if applied:
            self._writer.gateway.execute("deadletter/remove", keys=applied)
        return applied, refused

    def _apply(self, letter: DeadLetter) -> str | None:
        try:
            envelope = from_record(json.loads(letter.message))
        except (json.JSONDecodeError, Rejected) as exc:
            return f"still unreadable: {exc}"
        outcome = process_batch(self._writer, [envelope], self._guard)
        return outcome.rejected[0].reason if outcome.rejected else None

