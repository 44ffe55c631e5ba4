"""A batch Neo4j refuses is split until the message it refuses stands alone."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ClientError, ServiceUnavailable

from cdm_graph.apply.pipeline import process_batch
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
