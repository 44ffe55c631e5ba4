"""The correctness rules of the brief as a small pure-Python model over a *set* of events.

It knows nothing of batches, transactions or arrival order: the graph it computes is a
function of which events happened, which is what the real writer must reproduce for any order
of arrival and any repetition. It computes every property the graph stores, tombstones,
HOSTS and OF_FLAVOR edges included, as ``tests.graphs.read_graph`` reads them back (nulls are
not stored).

Its rules, written again here rather than imported:

* Events are ordered by time, then at one microsecond a deletion after an update, then by the
  id every copy of the message carries (``message_id``, else a digest of the message).
* An element is what its newest update after its newest deletion says; a deletion leaves a
  tombstone with its stamp.
* An instance is on the host of its newest authoritative event, unless its newest hint (with
  a host) is newer by more than the hint margin; a stale host is never used. It is hosted
  there unless that host's newest deletion is not older than the placement.
* An instance is OF_FLAVOR the flavor its own newest description names, whatever became of
  the flavor. A flavor no live description describes exists only as a stub (its key and
  ``described`` false) while an instance is of it.
* A server group names the members of its newest event; it has a HAS_MEMBER edge to each
  member that is an instance of the graph, and a ServerGroupMember pair for each member.
* An aggregate contains each host of its newest event (after its newest deletion) unless
  that host's newest deletion is not older than the event; a host it contains is a compute
  node, a stub if nothing described it.
* Every compute node is in the zones of the aggregates containing it, or in the default
  zone when none of them has one; a zone is there while a compute node is in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from cdm_graph.families.aggregate import AggregateEvent
from cdm_graph.families.base import Action, Event, HostEvidence
from cdm_graph.families.compute_node import ComputeNodeEvent
from cdm_graph.families.flavor import FlavorEvent
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.families.server_group import ServerGroupEvent

EPOCH = datetime(1970, 1, 1)
# The precedence stored beside each clock (README, "Guarantees"): a notification that updates
# ranks 2, a deletion 3, so that a deletion wins a tie of times.
RANK = {Action.UPSERT: 2, Action.DELETE: 3}
DEFAULT_HINT_MARGIN = timedelta(seconds=5)
DEFAULT_ZONE = "nova"


def order(event: Event) -> tuple[datetime, int, str]:
    return (event.time, RANK[event.action], event.stamp.id)


def newest(events: Iterable[Event]) -> Any:
    return max(events, key=order, default=None)


def _clock(name: str, event: Event | None) -> dict[str, Any]:
    """A clock as the graph stores it: the time for analysts, and the stamp the guards read."""
    if event is None:
        return {}
    time, rank, message = order(event)
    return {
        name: time,
        f"{name}_us": (time - EPOCH) // timedelta(microseconds=1),
        f"{name}_rank": rank,
        f"{name}_id": message,
    }


def _deletion(events: list[Event]) -> Event | None:
    return newest(event for event in events if event.action is Action.DELETE)


def _live(events: list[Event], deletion: Event | None) -> list[Event]:
    return [
        event
        for event in events
        if event.action is Action.UPSERT and (deletion is None or order(event) > order(deletion))
    ]


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Neo4j keeps no null property."""
    return {key: value for key, value in values.items() if value is not None}


def placement(
    authoritative: InstanceEvent | None, hint: InstanceEvent | None, margin: timedelta
) -> InstanceEvent | None:
    """The event whose host the instance is on."""
    if hint is not None and (authoritative is None or hint.time - authoritative.time > margin):
        return hint
    return authoritative


def compute(
    events: Iterable[Event],
    hint_margin: timedelta = DEFAULT_HINT_MARGIN,
    default_zone: str = DEFAULT_ZONE,
) -> dict[str, dict[str, Any]]:
    """The graph as ``read_graph`` returns it (temporal values as Python's)."""
    by_host: dict[str, list[Event]] = {}
    by_uuid: dict[str, list[Event]] = {}
    by_flavor: dict[str, list[Event]] = {}
    by_aggregate: dict[str, list[Event]] = {}
    by_group: dict[str, list[Event]] = {}
    for event in events:
        if isinstance(event, ComputeNodeEvent):
            by_host.setdefault(event.hostname, []).append(event)
        elif isinstance(event, FlavorEvent):
            by_flavor.setdefault(event.flavorid, []).append(event)
        elif isinstance(event, ServerGroupEvent):
            by_group.setdefault(event.uuid, []).append(event)
        elif isinstance(event, AggregateEvent):
            by_aggregate.setdefault(event.uuid, []).append(event)
        else:
            assert isinstance(event, InstanceEvent)
            by_uuid.setdefault(event.uuid, []).append(event)
    graph: dict[str, dict[str, Any]] = {
        "ComputeNode": {}, "Instance": {}, "InstanceTombstone": {}, "ComputeNodeTombstone": {},
        "Flavor": {}, "FlavorTombstone": {},
        "ServerGroup": {}, "ServerGroupTombstone": {}, "ServerGroupMember": {},
        "Aggregate": {}, "AggregateTombstone": {}, "AvailabilityZone": {},
    }

    for flavorid, flavor_events in by_flavor.items():
        deletion = _deletion(flavor_events)
        if deletion is not None:
            graph["FlavorTombstone"][flavorid] = {
                "flavorid": flavorid, **_clock("deleted_at", deletion)
            }
        latest = newest(_live(flavor_events, deletion))
        if latest is not None:
            graph["Flavor"][flavorid] = _stored({
                "flavorid": flavorid,
                "described": True,
                **latest.properties,
                **_clock("event_time", latest),
                "last_event": latest.event_type,
            })

    host_deletion = {hostname: _deletion(evs) for hostname, evs in by_host.items()}
    for hostname, host_events in by_host.items():
        deletion = host_deletion[hostname]
        if deletion is not None:
            graph["ComputeNodeTombstone"][hostname] = {
                "hostname": hostname, **_clock("deleted_at", deletion)
            }
        latest = newest(_live(host_events, deletion))
        if latest is not None:
            graph["ComputeNode"][hostname] = _stored({
                "hostname": hostname,
                "described": True,
                **latest.properties,
                **_clock("service_event_time", latest),
                "last_event": latest.event_type,
            })

    for uuid, instance_events in by_uuid.items():
        deletion = _deletion(instance_events)
        if deletion is not None:
            graph["InstanceTombstone"][uuid] = {"uuid": uuid, **_clock("deleted_at", deletion)}
        live = _live(instance_events, deletion)
        latest = newest(live)
        if latest is None:
            continue
        authoritative = newest(
            e for e in live if e.host_evidence is HostEvidence.AUTHORITATIVE
        )
        hint = newest(
            e for e in live if e.host_evidence is HostEvidence.HINT and e.host is not None
        )
        placed = placement(authoritative, hint, hint_margin)
        hosted_by: list[tuple[str, dict[str, Any]]] = []
        if placed is not None and placed.host is not None:
            deleted = host_deletion.get(placed.host)
            if deleted is None or order(placed) > order(deleted):
                hosted_by.append((placed.host, {"instance": uuid, **_clock("since", placed)}))
                graph["ComputeNode"].setdefault(
                    placed.host, {"hostname": placed.host, "described": False}
                )
        graph["Instance"][uuid] = {
            **_stored({
                "uuid": uuid,
                **latest.properties,
                **_clock("event_time", latest),
                "last_event": latest.event_type,
                "host": placed.host if placed else None,
                "node": placed.node if placed else None,
                **_clock("host_since", placed),
                **_clock("authoritative_at", authoritative),
                "authoritative_host": authoritative.host if authoritative else None,
                "authoritative_node": authoritative.node if authoritative else None,
                **_clock("hinted_at", hint),
                "hinted_host": hint.host if hint else None,
                "hinted_node": hint.node if hint else None,
            }),
            "hosted_by": hosted_by,
            "of_flavor": [],
        }
        flavorid = latest.properties.get("flavor_id")
        if flavorid is not None:
            graph["Instance"][uuid]["of_flavor"] = [flavorid]
            graph["Flavor"].setdefault(flavorid, {"flavorid": flavorid, "described": False})

    for uuid, group_events in by_group.items():
        deletion = _deletion(group_events)
        if deletion is not None:
            graph["ServerGroupTombstone"][uuid] = {"uuid": uuid, **_clock("deleted_at", deletion)}
        latest = newest(_live(group_events, deletion))
        if latest is None:
            continue
        members = latest.properties["members"]
        graph["ServerGroup"][uuid] = {
            **_stored({
                "uuid": uuid,
                **latest.properties,
                **_clock("event_time", latest),
                "last_event": latest.event_type,
            }),
            "has_member": sorted(m for m in members if m in graph["Instance"]),
        }
        for member in members:
            graph["ServerGroupMember"][f"{uuid} {member}"] = {"group": uuid, "instance": member}

    for uuid, aggregate_events in by_aggregate.items():
        deletion = _deletion(aggregate_events)
        if deletion is not None:
            graph["AggregateTombstone"][uuid] = {"uuid": uuid, **_clock("deleted_at", deletion)}
        latest = newest(_live(aggregate_events, deletion))
        if latest is None:
            continue
        contains = sorted(
            hostname for hostname in latest.properties["hosts"]
            if host_deletion.get(hostname) is None
            or order(latest) > order(host_deletion[hostname])
        )
        for hostname in contains:
            graph["ComputeNode"].setdefault(hostname, {"hostname": hostname, "described": False})
        graph["Aggregate"][uuid] = {
            **_stored({
                "uuid": uuid,
                **latest.properties,
                **_clock("event_time", latest),
                "last_event": latest.event_type,
            }),
            "contains": contains,
        }

    for hostname in graph["ComputeNode"]:
        zones = {
            aggregate["availability_zone"]
            for aggregate in graph["Aggregate"].values()
            if hostname in aggregate["contains"] and "availability_zone" in aggregate
        } or {default_zone}
        for zone in zones:
            graph["AvailabilityZone"].setdefault(zone, {"name": zone, "contains": []})
            graph["AvailabilityZone"][zone]["contains"].append(hostname)
    for zone in graph["AvailabilityZone"].values():
        zone["contains"].sort()
    return graph
