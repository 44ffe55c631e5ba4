"""Where a Nova notification becomes a change of the graph: one table, read like the spec.

Each family (``cdm_graph.families``) owns its rows, beside its decoder; this module gathers
them into the one table a reader scans to see what every Nova event does. Each row names
the family, what the event does to its element and how far its ``host`` can be trusted:

* ``AUTHORITATIVE``: the payload's host is where the instance is now (``null`` means it has
  none); these events are the moves, and the newest of them places the instance.
* ``HINT``: the host is right when the event is sent but the event is not part of a move;
  it places an instance whose host no authoritative event has told us yet, and it overrides
  the newest authoritative placement only when it is newer than it by more than
  ``[graph] hint_margin`` (default 5 s). A hint sent after a move names the host the move
  went to, so the first such hint heals a move whose notifications were missed (a queue
  that did not exist yet, a broker restart). Within the margin the authoritative placement
  keeps winning: the source host of a migration may stamp a hint read before the move with a
  clock running a little ahead, and that must not undo the migration.
* ``STALE``: the host may be the old one, even with a later timestamp than the move
  (``instance.rebuild.end`` after an evacuation); the host is never used.

The placement is a function of the newest authoritative and the newest hinted placement
only (``cdm_graph.families.instance.placed``), so it is the same in any order of arrival.

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
