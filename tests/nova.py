"""Nova's own notification samples, as envelopes a test can tweak."""

from __future__ import annotations

import copy
import functools
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cdm_graph.transport.envelope import Envelope
from cdm_graph.transport.samples import deep_merge, load_sample

REPO = Path(__file__).resolve().parents[1]


def samples_dir() -> Path:
    candidates = [
        os.environ.get("CDM_GRAPH_NOVA_SAMPLES"),
        REPO.parent / "shared" / "fixtures" / "nova-notification-samples",
        Path("/work/shared/fixtures/nova-notification-samples"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise FileNotFoundError(
        "Nova's notification samples not found: set CDM_GRAPH_NOVA_SAMPLES to "
        "shared/fixtures/nova-notification-samples"
    )


def sample_file(event_type: str) -> Path:
    """instance.live_migration_post_dest.end -> instance-live_migration_post_dest-end.json"""
    return samples_dir() / (event_type.replace(".", "-") + ".json")


@functools.cache
def _load(event_type: str) -> dict[str, Any]:
    return load_sample(sample_file(event_type))


T0 = datetime(2026, 1, 1, 9, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def notification(
    event_type: str,
    time: datetime | float = 0.0,
    sample: str | None = None,
    message_id: str | None = None,
    **data: Any,
) -> Envelope:
    """The sample of ``event_type`` (or of ``sample``) with ``data`` merged into its
    ``nova_object.data`` (a ``flavor`` dict goes into the flavor's data)."""
    record = _load(sample or event_type)
    payload = copy.deepcopy(record["payload"])
    flavor = data.pop("flavor", None)
    payload["nova_object.data"] = deep_merge(payload["nova_object.data"], data)
    if flavor is not None:
        payload["nova_object.data"]["flavor"]["nova_object.data"].update(flavor)
    return Envelope(
        event_type=event_type,
        payload=payload,
        time=time if isinstance(time, datetime) else at(time),
        publisher_id=record.get("publisher_id", ""),
        priority=record.get("priority", "INFO"),
        message_id=message_id,
    )
