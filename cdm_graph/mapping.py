"""Where a Nova notification becomes a change of the graph: one table, read like the spec.

Each event type names what it does to the graph and how far its ``host`` can be trusted:

* ``AUTHORITATIVE``: the payload's host is where the instance is now (``null`` means it has
  none); these events, and only these, move the ``HOSTS`` edge.
* ``HINT``: the host is right when the event is sent but the event is not part of a move;
  it places an instance whose host no authoritative event has told us yet.
* ``STALE``: the host may be the old one, even with a later timestamp than the move
  (``instance.rebuild.end`` after an evacuation); the host is not used.

The statements behind each action are in ``cdm_graph.plan``; their Cypher in ``cypher/write``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


class Element(enum.Enum):
    INSTANCE = "instance"
    COMPUTE_NODE = "compute_node"


class Action(enum.Enum):
    UPSERT = "upsert"
    DELETE = "delete"


class HostEvidence(enum.Enum):
    AUTHORITATIVE = "authoritative"
    HINT = "hint"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Rule:
    element: Element
    action: Action
    host: HostEvidence = HostEvidence.STALE


def _instance(host: HostEvidence) -> Rule:
    return Rule(Element.INSTANCE, Action.UPSERT, host)


_REMOVE_INSTANCE = Rule(Element.INSTANCE, Action.DELETE)
_UPSERT_COMPUTE_NODE = Rule(Element.COMPUTE_NODE, Action.UPSERT)
_REMOVE_COMPUTE_NODE = Rule(Element.COMPUTE_NODE, Action.DELETE)

AUTHORITATIVE, HINT, STALE = HostEvidence.AUTHORITATIVE, HostEvidence.HINT, HostEvidence.STALE

NOTIFICATION_MAPPING: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        # Add or update the instance.
        "instance.create.end": _instance(AUTHORITATIVE),
        "instance.update": _instance(AUTHORITATIVE),
        "instance.lock": _instance(HINT),
        "instance.unlock": _instance(HINT),
        "instance.pause.end": _instance(HINT),
        "instance.unpause.end": _instance(HINT),
        "instance.power_off.end": _instance(HINT),
        "instance.power_on.end": _instance(HINT),
        "instance.shutdown.end": _instance(HINT),
        "instance.suspend.end": _instance(HINT),
        "instance.resume.end": _instance(HINT),
        "instance.rescue.end": _instance(HINT),
        "instance.unrescue.end": _instance(HINT),
        "instance.restore.end": _instance(HINT),
        "instance.shelve.end": _instance(HINT),
        "instance.unshelve.end": _instance(AUTHORITATIVE),
        # After an evacuation Nova sends it with the old host.
        "instance.rebuild.end": _instance(STALE),
        "instance.resize_confirm.end": _instance(AUTHORITATIVE),
        # Sent from the source while the migration still runs: earlier than post_dest.
        "instance.live_migration_force_complete.end": _instance(HINT),
        "instance.live_migration_post_dest.end": _instance(AUTHORITATIVE),
        # Beyond Watcher's list: the events that move or unhost an instance.
        "instance.resize.end": _instance(AUTHORITATIVE),
        "instance.resize_finish.end": _instance(AUTHORITATIVE),
        "instance.resize_revert.end": _instance(AUTHORITATIVE),
        "instance.live_migration_rollback.end": _instance(AUTHORITATIVE),
        # Its host is null: the instance keeps no HOSTS edge.
        "instance.shelve_offload.end": _instance(AUTHORITATIVE),
        # Remove the instance.
        "instance.delete.end": _REMOVE_INSTANCE,
        "instance.soft_delete.end": _REMOVE_INSTANCE,
        # Add, update or remove the compute node (nova-compute services only).
        "service.create": _UPSERT_COMPUTE_NODE,
        "service.update": _UPSERT_COMPUTE_NODE,
        "service.delete": _REMOVE_COMPUTE_NODE,
    }
)
