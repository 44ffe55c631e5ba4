"""List the cloud through openstacksdk: what a reconcile compares the graph with.

Read, in this order, once the listing's start time is taken: the nova-compute services, the
hypervisors (with the compute node uuids of microversion 2.53), the Placement inventories of
those compute nodes, and every server of every project, page by page. Each is mapped to the
properties notifications write, under the same names; a field these APIs do not show (the
service version, the instance architecture, the flavor id once the flavor is embedded) is
left out, so that the graph keeps what a notification said of it.

Collections are read as the APIs show them, through openstacksdk's service proxies (its
session, catalogue, microversion headers and error mapping), not as its ``Resource`` objects:
building those costs ~5 ms a server, a quarter of an hour for a cloud of 200,000 servers,
where parsing the JSON costs microseconds. Paging follows Nova's documented ``limit`` and
``marker``, not the ``next`` links' hosts, which a proxy in front of the API may get wrong.

The listing never raises for the cloud's sake: an error from the APIs ends it early, and the
``Listing`` says so (``complete`` is false). What was read before the error is still true
at the start time; only removals need the whole picture.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from keystoneauth1.exceptions import ClientException
from openstack.connection import Connection
from openstack.exceptions import SDKException, raise_from_response
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


@dataclass(slots=True)
class Listing:
    """What the cloud showed from ``started_at`` on (naive UTC, the events' clock)."""

    started_at: datetime
    compute_nodes: list[ListedComputeNode] = field(default_factory=list)
    servers: list[ListedServer] = field(default_factory=list)
    # Ironic's: present in Nova, not in the compute data model.
    left_out_hosts: set[str] = field(default_factory=set)
    left_out_servers: set[str] = field(default_factory=set)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None


# A bar for one stage: (description, total if known) -> a context giving advance(count).
Advance = Callable[[int], object]
Progress = Callable[[str, int | None], AbstractContextManager[Advance]]


def no_progress(_description: str, _total: int | None) -> AbstractContextManager[Advance]:
    return nullcontext(lambda _count: None)


def list_cloud(
    connection: Connection,
    page_size: int = 1000,
    progress: Progress = no_progress,
    now: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
) -> Listing:
    """Everything a reconcile needs; on an API error, what was read before it."""
    listing = Listing(started_at=now())
    try:
        _list_compute_nodes(connection, listing, progress)
        _list_servers(connection, listing, page_size, progress)
    except CLOUD_ERRORS as error:
        listing.error = str(error) or type(error).__name__
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        # An item without the fields every release shows: the API is not one we know.
        listing.error = f"malformed response from the cloud: {type(error).__name__}: {error}"
    if listing.error is not None:
        LOG.error("listing the cloud failed, nothing will be removed: %s", listing.error)
    return listing


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
    connection: Connection, listing: Listing, page_size: int, progress: Progress
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
        for server in servers:
            advance(1)
            host = server.get("OS-EXT-SRV-ATTR:host")
            if host in left_out_hosts:
                listing.left_out_servers.add(server["id"])
                continue
            listing.servers.append(
                ListedServer(
                    uuid=server["id"],
                    host=host,
                    node=server.get("OS-EXT-SRV-ATTR:hypervisor_hostname"),
                    properties=server_properties(server),
                )
            )


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

