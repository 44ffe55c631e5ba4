"""List the cloud through openstacksdk: what a reconcile compares the graph with.

Read, in this order, once the listing's start time is taken: the nova-compute services, the
hypervisors (with the compute node uuids of microversion 2.53), the Placement inventories of
those compute nodes, and every server of every project, page by page. Each is mapped to the
properties notifications write, under the same names; a field these APIs do not show (the
service version, the instance architecture, the flavor id once the flavor is embedded) is
left out, so that the graph keeps what a notification said of it.

Then the host aggregates (``/os-aggregates``), the server groups of every project
(``/os-server-groups?all_projects=True``, paged by offset) and every flavor, public and
private (``/flavors/detail?is_public=None``, paged by marker, with each flavor's extra specs
and a private flavor's access list). These are kept as the API shows them: each family makes
its own events of them (``families.<family>.listed_*``), reading the API fields its schema
declares.

Collections are read as the APIs show them, through openstacksdk's service proxies (its
session, catalogue, microversion headers and error mapping), not as its ``Resource`` objects:
building those costs ~5 ms a server, a quarter of an hour for a cloud of 200,000 servers,
where parsing the JSON costs microseconds. Paging follows Nova's documented ``limit`` and
``marker``, not the ``next`` links' hosts, which a proxy in front of the API may get wrong.

The listing never raises for the cloud's sake: an error from the APIs ends the listing of the
kinds it was reading early, and the ``Listing`` says which (``errors``; ``complete_for`` a
kind is then false). What was read before the error is still true at the start time; only
removals need the whole picture, so only the kinds listed whole remove anything. The compute
nodes and the instances are listed in one go (a failure ends both, as it always has); the
aggregates, the server groups and the flavors each on their own, so that one API's failure
costs the others nothing. An aggregate, server group or flavor without its identifier is
left out and makes its kind incomplete; the others are still listed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from keystoneauth1.exceptions import ClientException
from openstack.connection import Connection
from openstack.exceptions import NotFoundException, SDKException, raise_from_response
from openstack.proxy import Proxy

from cdm_graph.decode import key_value_pairs
from cdm_graph.schema import ElementSchema, Kind, Role
from cdm_graph.schema.compute_node import COMPUTE_NODE, HYPERVISOR_FIELDS
from cdm_graph.schema.instance import INSTANCE, instance_disk_gb

LOG = logging.getLogger(__name__)

# Pinned rather than negotiated: the mapping below is written against these shapes, and later
# microversions only add fields (2.88 drops the hypervisor's own capacity, our fallback).
SERVICES_MICROVERSION = "2.53"  # service uuids; forced_down since 2.11
HYPERVISORS_MICROVERSION = "2.53"  # compute node uuids, still with vcpus/memory_mb/local_gb
SERVERS_MICROVERSION = "2.73"  # embedded flavor (2.47), locked_reason (2.73)
# As openstacksdk's own resources ask for them (Aggregate, ServerGroup, Flavor).
AGGREGATES_MICROVERSION = "2.81"  # uuids since 2.41
SERVER_GROUPS_MICROVERSION = "2.64"  # policy and rules (2.64), project and user (2.13)
FLAVORS_MICROVERSION = "2.61"  # extra specs in the listing (2.61), description (2.55)

# The kinds a listing reads, as a reconcile's summary names them.
COMPUTE_NODES = "compute nodes"
INSTANCES = "instances"
AGGREGATES = "aggregates"
SERVER_GROUPS = "server groups"
FLAVORS = "flavors"
KINDS = (COMPUTE_NODES, INSTANCES, AGGREGATES, SERVER_GROUPS, FLAVORS)

NOVA_COMPUTE = "nova-compute"
IRONIC = "ironic"
# The hypervisor's own count of each Placement resource class, used where Placement has no
# inventory of the class (as Watcher does).
HYPERVISOR_OWN: Mapping[str, str] = {
    "VCPU": "vcpus", "MEMORY_MB": "memory_mb", "DISK_GB": "local_gb"
}


def _resource_classes() -> dict[str, tuple[str, str, str, str]]:
    """Placement resource class -> the properties its inventory's total, reserved and
    allocation ratio go to (``api`` paths of the compute node schema), and the hypervisor's
    own field."""
    fields: dict[str, dict[str, str]] = {}
    for name in HYPERVISOR_FIELDS:
        api = COMPUTE_NODE[name].api or ""
        resource_class, _, field_name = api.partition(".")
        if resource_class in HYPERVISOR_OWN:
            fields.setdefault(resource_class, {})[field_name] = name
    return {
        resource_class: (
            by_field["total"], by_field["reserved"], by_field["allocation_ratio"],
            HYPERVISOR_OWN[resource_class],
        )
        for resource_class, by_field in fields.items()
    }


RESOURCE_CLASSES: Mapping[str, tuple[str, str, str, str]] = _resource_classes()
# nova.compute.power_state codes, as the notifications spell them.
POWER_STATES: Mapping[int, str] = {
    0: "pending",
    1: "running",
    3: "paused",
    4: "shutdown",
    6: "crashed",
    7: "suspended",
}
# What the listing may meet from the cloud: HTTP errors, refused credentials, no endpoint.
CLOUD_ERRORS = (SDKException, ClientException)


@dataclass(frozen=True, slots=True)
class ListedComputeNode:
    """A nova-compute service, with its hypervisor where one reported (``hypervisor`` has
    every key of ``HYPERVISOR_FIELDS``)."""

    hostname: str
    properties: Mapping[str, Any]
    hypervisor: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ListedServer:
    uuid: str
    host: str | None
    node: str | None
    properties: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ListedFlavor:
    """A flavor of ``/flavors/detail``, with its extra specs (its own, shown from 2.61, else
    ``/os-extra_specs``') and, for a private flavor, its ``/os-flavor-access`` list (None
    for a public flavor, which has none to show)."""

    flavor: Mapping[str, Any]
    extra_specs: Mapping[str, str]
    access: Sequence[Mapping[str, Any]] | None = None

    @property
    def flavorid(self) -> str:
        return str(self.flavor["id"])


@dataclass(slots=True)
class Listing:
    """What the cloud showed from ``started_at`` on (naive UTC, the events' clock). The
    aggregates and server groups are the APIs' documents, each with its ``uuid``/``id``."""

    started_at: datetime
    compute_nodes: list[ListedComputeNode] = field(default_factory=list)
    servers: list[ListedServer] = field(default_factory=list)
    aggregates: list[Mapping[str, Any]] = field(default_factory=list)
    server_groups: list[Mapping[str, Any]] = field(default_factory=list)
    flavors: list[ListedFlavor] = field(default_factory=list)
    # Ironic's: present in Nova, not in the compute data model.
    left_out_hosts: set[str] = field(default_factory=set)
    left_out_servers: set[str] = field(default_factory=set)
    # Listed, then gone before their details were read (a 404): neither written nor removed;
    # their deletion notification, newer than the listing, tells.
    vanished_flavors: set[str] = field(default_factory=set)
    # Kind -> why its listing ended early.
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.errors

    def complete_for(self, kind: str) -> bool:
        return kind not in self.errors

    @property
    def error(self) -> str | None:
        return errors_text(self.errors)


def errors_text(errors: Mapping[str, str]) -> str | None:
    """Why the listing of each kind ended early, in one line, kinds that share a reason
    together (None when every kind was listed whole)."""
    if not errors:
        return None
    reasons: dict[str, list[str]] = {}
    for kind in KINDS:
        if kind in errors:
            reasons.setdefault(errors[kind], []).append(kind)
    return "; ".join(f"{' and '.join(kinds)}: {reason}" for reason, kinds in reasons.items())


# A bar for one stage: (description, total if known) -> a context giving advance(count).
Advance = Callable[[int], object]
Progress = Callable[[str, int | None], AbstractContextManager[Advance]]


def no_progress(_description: str, _total: int | None) -> AbstractContextManager[Advance]:
    return nullcontext(lambda _count: None)


# Told, in the listing's thread, each time the listing grew by the compute nodes or a page of
# servers: what it holds so far is true at its start time, so that it may be written already.
Grown = Callable[["Listing"], object]


def _unheard(_listing: Listing) -> None:
    return None


def list_cloud(
    connection: Connection,
    page_size: int = 1000,
    progress: Progress = no_progress,
    now: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
    grown: Grown = _unheard,
) -> Listing:
    """Everything a reconcile needs; on an API error, what was read before it. ``grown`` is
    told once the compute nodes are listed and after each page of servers."""
    listing = Listing(started_at=now())

    def compute_nodes_and_servers() -> None:
        _list_compute_nodes(connection, listing, progress)
        grown(listing)
        _list_servers(connection, listing, page_size, progress, grown)

    parts: list[tuple[tuple[str, ...], Callable[[], None]]] = [
        ((COMPUTE_NODES, INSTANCES), compute_nodes_and_servers),
        ((AGGREGATES,), lambda: _list_aggregates(connection, listing)),
        ((SERVER_GROUPS,), lambda: _list_server_groups(connection, listing, page_size)),
        ((FLAVORS,), lambda: _list_flavors(connection, listing, page_size, progress)),
    ]
    for kinds, list_part in parts:
        error = _attempt(list_part)
        if error is not None:
            listing.errors.update(dict.fromkeys(kinds, error))
            LOG.error(
                "listing the cloud's %s failed, none of them will be removed: %s",
                " and ".join(kinds), error,
            )
    return listing


def _attempt(list_part: Callable[[], None]) -> str | None:
    """Run one part of the listing; why it ended early, if it did."""
    try:
        list_part()
    except CLOUD_ERRORS as error:
        return str(error) or type(error).__name__
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        # An item without the fields every release shows: the API is not one we know.
        return f"malformed response from the cloud: {type(error).__name__}: {error}"
    return None


def _get(proxy: Proxy, path: str, **request: Any) -> dict[str, Any]:
    """One API document; an error status or a body that is not a JSON object raises."""
    response = proxy.get(path, **request)
    raise_from_response(response)
    try:
        body = response.json()
    except ValueError as error:
        raise SDKException(f"GET {path}: the response is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise SDKException(f"GET {path}: the response is not a JSON object")
    return body


def _collection(body: Mapping[str, Any], path: str, key: str) -> list[dict[str, Any]]:
    items = body.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise SDKException(f"GET {path}: the response has no list of {key}")
    return items


def _listed(proxy: Proxy, path: str, key: str, **request: Any) -> list[dict[str, Any]]:
    """An unpaged collection: one GET."""
    return _collection(_get(proxy, path, **request), path, key)


def _paged(
    proxy: Proxy,
    path: str,
    key: str,
    microversion: str,
    page_size: int,
    **query: Any,
) -> Iterator[dict[str, Any]]:
    """Every item of a Nova collection, page by page: the next page starts after the last
    item's id, for as long as Nova shows a next link (it does whenever a page is full)."""
    params = {**query, "limit": page_size}
    while True:
        body = _get(proxy, path, params=params, microversion=microversion)
        items = _collection(body, path, key)
        yield from items
        following = any(link.get("rel") == "next" for link in body.get(f"{key}_links") or [])
        if not items or not following:
            return
        params = {**params, "marker": items[-1]["id"]}


def _offset_paged(
    proxy: Proxy,
    path: str,
    key: str,
    microversion: str,
    page_size: int,
    **query: Any,
) -> Iterator[dict[str, Any]]:
    """Every item of a collection Nova pages by ``limit`` and ``offset`` (the server groups),
    in the database's order. Nova shows no next link there and caps ``limit`` at its
    ``[api] max_limit``: the first page's length is what a full page holds, and a shorter
    page is the last.

    An offset counts items, so an item deleted before it while paging moves the rest one place
    back, and one would be skipped without a word (then removed, the listing being complete).
    Each page after the first therefore starts one item early, at the last item read: found
    anywhere else, the collection moved under the listing, which raises (incomplete). A page
    of one item has nothing to overlap: an API that pages one item at a time cannot be listed
    this way, and says so."""

    # Two items a page at least, so that pages can overlap.
    limit = max(page_size, 2)

    def page(offset: int) -> list[dict[str, Any]]:
        params = {**query, "limit": limit, "offset": offset}
        return _collection(_get(proxy, path, params=params, microversion=microversion), path, key)

    items = page(0)
    yield from items
    full = len(items)
    if full == 1 and page(1):
        raise SDKException(
            f"GET {path}: the API shows one item a page, which cannot be checked for items "
            "that moved while paging"
        )
    read = full
    while full > 1 and len(items) == full:
        last = items[-1]["id"]
        items = page(read - 1)
        if not items or items[0]["id"] != last:
            raise SDKException(
                f"GET {path}: the {key} changed while they were paged by offset "
                f"({last} is no longer item {read})"
            )
        yield from items[1:]
        read += len(items) - 1


def _list_compute_nodes(connection: Connection, listing: Listing, progress: Progress) -> None:
    services = _listed(
        connection.compute,
        "/os-services",
        "services",
        params={"binary": NOVA_COMPUTE},
        microversion=SERVICES_MICROVERSION,
    )
    hypervisors: dict[str, list[dict[str, Any]]] = {}
    for hypervisor in _paged(
        connection.compute,
        "/os-hypervisors/detail",
        "hypervisors",
        HYPERVISORS_MICROVERSION,
        page_size=1000,
    ):
        host = (hypervisor.get("service") or {}).get("host")
        if host is not None:
            hypervisors.setdefault(host, []).append(hypervisor)
    providers = {
        provider.get("uuid")
        for provider in _listed(connection.placement, "/resource_providers", "resource_providers")
    }
    with progress("compute nodes", len(services)) as advance:
        for service in services:
            advance(1)
            if service.get("binary") != NOVA_COMPUTE:
                continue
            host = service["host"]
            own = hypervisors.get(host, [])
            kept = sorted(
                (h for h in own if (h.get("hypervisor_type") or "").lower() != IRONIC),
                key=lambda h: h.get("hypervisor_hostname") or "",
            )
            if own and not kept:
                listing.left_out_hosts.add(host)
                continue
            if len(kept) > 1:
                LOG.warning(
                    "%s has %d hypervisors: the compute data model keeps one node per host, %s",
                    host, len(kept), kept[0].get("hypervisor_hostname"),
                )
            described = None
            if kept:
                described = _hypervisor(connection, kept[0], kept[0]["id"] in providers)
            listing.compute_nodes.append(
                ListedComputeNode(host, _service_properties(service), described)
            )


def _service_properties(service: Mapping[str, Any]) -> dict[str, Any]:
    # No service_version: os-services does not show it, a notification does.
    return from_api(COMPUTE_NODE, service)


def _hypervisor(
    connection: Connection, hypervisor: Mapping[str, Any], in_placement: bool
) -> dict[str, Any]:
    inventories: Mapping[str, Any] = {}
    if in_placement:
        path = f"/resource_providers/{hypervisor['id']}/inventories"
        inventories = _get(connection.placement, path).get("inventories") or {}
    described: dict[str, Any] = {
        "uuid": hypervisor["id"],
        "hypervisor_hostname": hypervisor.get("hypervisor_hostname"),
    }
    for resource_class, (total, reserved, ratio, own) in RESOURCE_CLASSES.items():
        inventory = inventories.get(resource_class)
        if inventory is not None:
            described[total] = inventory.get("total")
            described[reserved] = inventory.get("reserved") or 0
            described[ratio] = float(inventory.get("allocation_ratio") or 1.0)
        else:
            # As Watcher does: the hypervisor's own count, nothing reserved, no overcommit.
            described[total] = hypervisor.get(own)
            described[reserved] = 0
            described[ratio] = 1.0
    return described


def _list_servers(
    connection: Connection, listing: Listing, page_size: int, progress: Progress, grown: Grown
) -> None:
    left_out_hosts = listing.left_out_hosts
    servers = _paged(
        connection.compute,
        "/servers/detail",
        "servers",
        SERVERS_MICROVERSION,
        page_size,
        all_tenants=1,
    )
    with progress("servers", None) as advance:
        for read, server in enumerate(servers, start=1):
            advance(1)
            host = server.get("OS-EXT-SRV-ATTR:host")
            if host in left_out_hosts:
                listing.left_out_servers.add(server["id"])
            else:
                listing.servers.append(
                    ListedServer(
                        uuid=server["id"],
                        host=host,
                        node=server.get("OS-EXT-SRV-ATTR:hypervisor_hostname"),
                        properties=server_properties(server),
                    )
                )
            if read % page_size == 0:
                grown(listing)
        grown(listing)


def _list_aggregates(connection: Connection, listing: Listing) -> None:
    """Every aggregate (Nova does not page them), each with its uuid."""
    aggregates = _listed(
        connection.compute, "/os-aggregates", "aggregates", microversion=AGGREGATES_MICROVERSION
    )
    listing.aggregates.extend(
        aggregate for aggregate in aggregates if _identified(listing, AGGREGATES, aggregate, "uuid")
    )


def _list_server_groups(connection: Connection, listing: Listing, page_size: int) -> None:
    """The server groups of every project; their members are the servers not deleted."""
    for group in _offset_paged(
        connection.compute,
        "/os-server-groups",
        "server_groups",
        SERVER_GROUPS_MICROVERSION,
        page_size,
        all_projects="True",
    ):
        if _identified(listing, SERVER_GROUPS, group, "id"):
            listing.server_groups.append(group)


def _list_flavors(
    connection: Connection, listing: Listing, page_size: int, progress: Progress
) -> None:
    """Every flavor, public and private (``is_public=None``: Nova's spelling of both, for an
    admin), with its extra specs and, if private, the projects it is shared with."""
    compute = connection.compute
    flavors = _paged(
        compute, "/flavors/detail", "flavors", FLAVORS_MICROVERSION, page_size, is_public="None"
    )
    with progress("flavors", None) as advance:
        for flavor in flavors:
            advance(1)
            flavorid = _identified(listing, FLAVORS, flavor, "id")
            if flavorid is None:
                continue
            try:
                listing.flavors.append(_flavor_details(compute, flavor, flavorid))
            except NotFoundException:
                # Deleted since the page was read: its deletion is newer than the listing.
                listing.vanished_flavors.add(flavorid)


def _flavor_details(compute: Proxy, flavor: dict[str, Any], flavorid: str) -> ListedFlavor:
    """A flavor with its extra specs (asked for only where the listing does not show them:
    Nova shows them from 2.61 to whom its policy lets read them) and, if private, its
    access list (Nova has none to show for a public flavor: it answers 404)."""
    base = f"/flavors/{quote(flavorid, safe='')}"
    extra_specs = flavor.get("extra_specs")
    if extra_specs is None:
        extra_specs = _get(compute, f"{base}/os-extra_specs").get("extra_specs")
    if not isinstance(extra_specs, dict):
        raise SDKException(f"flavor {flavorid}: its extra specs are not a map")
    access = None
    if flavor["os-flavor-access:is_public"] is False:
        access = _listed(compute, f"{base}/os-flavor-access", "flavor_access")
    return ListedFlavor(flavor, extra_specs, access)


def _identified(listing: Listing, kind: str, item: Mapping[str, Any], name: str) -> str | None:
    """The identifier an item of ``kind`` must have. Without one the item is left out and the
    kind is incomplete (nothing of it is removed), but the listing goes on: one item the API
    got wrong costs the others nothing."""
    value = item.get(name)
    if isinstance(value, str) and value:
        return value
    reason = f"malformed response from the cloud: an item's {name} is {value!r}, not a text"
    listing.errors.setdefault(kind, reason)
    LOG.error("listing the cloud's %s: %s; that item is left out", kind, reason)
    return None


def server_properties(server: Mapping[str, Any]) -> dict[str, Any]:
    """A server of /servers/detail (2.73) as the instance properties notifications write:
    every descriptive property the schema reads from the API (``architecture`` and
    ``flavor_id`` are not shown there, so left out), and ``disk_gb`` derived from them."""
    properties = from_api(INSTANCE, server)
    power_state = properties["power_state"]
    properties["power_state"] = POWER_STATES.get(power_state) if power_state is not None else None
    properties["disk_gb"] = instance_disk_gb(
        properties["image_uuid"],
        properties["root_gb"],
        properties["ephemeral_gb"],
        properties["swap_mb"],
    )
    return properties


def from_api(schema: ElementSchema, item: Mapping[str, Any]) -> dict[str, Any]:
    """The descriptive properties of ``schema`` an API document shows, each read from its
    declared path and converted to its declared kind."""
    properties: dict[str, Any] = {}
    for prop in schema.from_api():
        if prop.role is not Role.DESCRIPTION or prop.api is None:
            continue
        value: Any = item
        for part in prop.api.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if prop.empty_means_none and value == "":
            value = None
        if prop.kind is Kind.MOMENT:
            value = _moment(value)
        elif prop.kind is Kind.PAIRS:
            value = key_value_pairs(value or {})
        elif prop.absent is not None:
            value = prop.absent if value in (None, "") else value
            if prop.kind is Kind.INTEGER:
                value = _count(value)
        properties[prop.name] = value
    return properties


def _count(value: Any) -> int:
    # Before 2.75 a flavor without swap shows "" rather than 0.
    return int(value) if value not in (None, "") else 0


def _moment(value: str | None) -> datetime | None:
    """The APIs' times are UTC, with or without a zone ("...Z", or naive in OS-SRV-USG)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

