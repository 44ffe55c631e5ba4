"""Where a Nova notification becomes a change of the graph: one table, read like the spec.

Each family (``cdm_graph.families``) owns its rows, beside its decoder; this module gathers
them into the one table a reader scans to see what every Nova event does. Each row names
the family, what the event does to its element and how far its ``host`` can be trusted:

* ``AUTHORITATIVE``: the payload's host is where the instance is now (``null`` means it has
  none); these events, and only these, move the ``HOSTS`` edge.
* ``HINT``: the host is right when the event is sent but the event is not part of a move;
  it places an instance whose host no authoritative event has told us yet.
* ``STALE``: the host may be the old one, even with a later timestamp than the move
  (``instance.rebuild.end`` after an evacuation); the host is not used.

An event type in no row is skipped with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from cdm_graph.families import REGISTRY
from cdm_graph.families.base import Action, HostEvidence, Rule

__all__ = ["NOTIFICATION_MAPPING", "Action", "HostEvidence", "Rule"]

NOTIFICATION_MAPPING: Final[Mapping[str, Rule]] = MappingProxyType(
    {event_type: rule for event_type, (_, rule) in REGISTRY.claims.items()}
)


def table() -> str:
    """The table as text, one event type a line (``python -m cdm_graph.mapping``): the rows
    live beside each family's decoder, with the reason for each odd one on its row."""
    width = max(map(len, NOTIFICATION_MAPPING))
    lines = [f"{'event type':<{width}}  family        action  host"]
    for event_type, rule in sorted(
        NOTIFICATION_MAPPING.items(), key=lambda item: (item[1].family, item[0])
    ):
        host = rule.host.value if rule.host is not None else "-"
        lines.append(
            f"{event_type:<{width}}  {rule.family:<12}  {rule.action.value:<6}  {host}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
