"""The registry of element families: the one place a family is added.

Order matters: it is the order in which a batch locks, resolves and writes (see
``cdm_graph.families.base``), so a family comes after every family whose elements it links
to. Every event type belongs to exactly one family; two families claiming one event type is
an error when this module is imported, and an event type no family claims is skipped with
its reason, never handed to a default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cdm_graph.decode import payload_data
from cdm_graph.families.aggregate import AggregateFamily
from cdm_graph.families.base import Action, Event, Family, Rule
from cdm_graph.families.compute_node import ComputeNodeFamily
from cdm_graph.families.flavor import FlavorFamily
from cdm_graph.families.instance import InstanceFamily
from cdm_graph.families.server_group import ServerGroupFamily
from cdm_graph.transport.envelope import Envelope, Skipped


class RegistryError(RuntimeError):
    """Families that cannot be registered together."""


@dataclass(frozen=True, slots=True)
class Registry:
    families: tuple[Family, ...]
    # event type -> (its family, its rule)
    claims: Mapping[str, tuple[Family, Rule]]

    def __getitem__(self, name: str) -> Family:
        for family in self.families:
            if family.name == name:
                return family
        raise KeyError(name)

    def decode(self, envelope: Envelope) -> Event:
        """Turn one notification into its family's event; raise ``Skipped`` or ``Rejected``
        with the reason."""
        claim = self.claims.get(envelope.event_type)
        if claim is None:
            raise Skipped(f"event type {envelope.event_type!r} does not change the graph")
        family, rule = claim
        if rule.action is Action.SKIP:
            raise Skipped(f"{envelope.event_type}: {rule.reason}")
        return family.decode(envelope, rule, payload_data(envelope.payload, family.payload_majors))


def build_registry(families: Iterable[Family]) -> Registry:
    """The registry of ``families`` in that order; refuses duplicate names and event types
    claimed twice, or claimed by a rule naming another family."""
    ordered = tuple(families)
    claims: dict[str, tuple[Family, Rule]] = {}
    names: set[str] = set()
    for family in ordered:
        if family.name in names:
            raise RegistryError(f"two families are named {family.name!r}")
        names.add(family.name)
        for event_type, rule in family.rules.items():
            if rule.family != family.name:
                raise RegistryError(
                    f"{event_type}: family {family.name!r} has a rule for {rule.family!r}"
                )
            if event_type in claims:
                other = claims[event_type][0].name
                raise RegistryError(
                    f"{event_type} is claimed by both {other!r} and {family.name!r}"
                )
            claims[event_type] = (family, rule)
    return Registry(ordered, MappingProxyType(claims))


# Compute nodes first: instances are placed on them (HOSTS) and aggregates contain them
# (CONTAINS), so a batch locks and resolves compute nodes before either. Availability zones,
# derived from aggregates, are no family: the aggregate family locks them last of all (see
# cdm_graph.families.aggregate). Flavors before instances, for instances are OF_FLAVOR them.
# Server groups last: they link instances (HAS_MEMBER), so a group batch locks its members
# before its groups, and an instance batch finds the groups waiting for its instances under
# their locks.
REGISTRY = build_registry([
    ComputeNodeFamily(), AggregateFamily(), FlavorFamily(), InstanceFamily(),
    ServerGroupFamily(),
])
FAMILIES = REGISTRY.families
decode = REGISTRY.decode
