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

from cdm_graph.events import instance_disk_gb

LOG = logging.getLogger(__name__)

# Pinned rather than negotiated: the mapping below is written against these shapes, and later
# microversions only add fields (2.88 drops the hypervisor's own capacity, our fallback).
SERVICES_MICROVERSION = "2.53"  # service uuids; forced_down since 2.11
HYPERVISORS_MICROVERSION = "2.53"  # compute node uuids, still with vcpus/memory_mb/local_gb
SERVERS_MICROVERSION = "2.73"  # embedded flavor (2.47), locked_reason (2.73)

NOVA_COMPUTE = "nova-compute"
IRONIC = "ironic"
# Placement resource class -> (total, reserved, allocation ratio) property names; the third
# item is the hypervisor's own field, used where Placement has no inventory of the class.
RESOURCE_CLASSES: Mapping[str, tuple[str, str, str, str]] = {
    "VCPU": ("vcpus", "vcpu_reserved", "vcpu_ratio", "vcpus"),
    "MEMORY_MB": ("memory_mb", "memory_mb_reserved", "memory_ratio", "memory_mb"),
    "DISK_GB": ("disk_gb", "disk_gb_reserved", "disk_ratio", "local_gb"),
}
CAPACITY_FIELDS: tuple[str, ...] = tuple(
    name for total, reserved, ratio, _ in RESOURCE_CLASSES.values()
    for name in (total, reserved, ratio)
)
HYPERVISOR_FIELDS: tuple[str, ...] = ("uuid", "hypervisor_hostname", *CAPACITY_FIELDS)
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
    return {
        "status": service.get("status"),
        "state": service.get("state"),
        "disabled_reason": service.get("disabled_reason"),
        "forced_down": bool(service.get("forced_down")),
        "availability_zone": service.get("zone"),
        "service_uuid": service.get("id"),
        "last_seen_up": _moment(service.get("updated_at")),
    }


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
    """A server of /servers/detail (2.73) as the instance properties notifications write;
    ``architecture`` and ``flavor_id`` are not shown there, so left out."""
    flavor = server.get("flavor") or {}
    # A volume-backed server shows "" for its image.
    image = server.get("image")
    image_uuid = (image.get("id") if isinstance(image, Mapping) else None) or None
    root_gb = _count(flavor.get("disk"))
    ephemeral_gb = _count(flavor.get("ephemeral"))
    swap_mb = _count(flavor.get("swap"))
    power_state = server.get("OS-EXT-STS:power_state")
    return {
        "name": server.get("name"),
        "description": server.get("description"),
        "state": server.get("OS-EXT-STS:vm_state"),
        "power_state": POWER_STATES.get(power_state) if power_state is not None else None,
        "task_state": server.get("OS-EXT-STS:task_state"),
        "project_id": server.get("tenant_id"),
        "user_id": server.get("user_id"),
        "availability_zone": server.get("OS-EXT-AZ:availability_zone"),
        "image_uuid": image_uuid,
        "key_name": server.get("key_name"),
        "locked": server.get("locked"),
        # The API shows "" for an instance locked without a reason; notifications show null.
        "locked_reason": server.get("locked_reason") or None,
        "created_at": _moment(server.get("created")),
        "launched_at": _moment(server.get("OS-SRV-USG:launched_at")),
        "terminated_at": _moment(server.get("OS-SRV-USG:terminated_at")),
        "updated_at": _moment(server.get("updated")),
        "flavor_name": flavor.get("original_name"),
        "vcpus": flavor.get("vcpus"),
        "memory_mb": flavor.get("ram"),
        "root_gb": root_gb,
        "ephemeral_gb": ephemeral_gb,
        "swap_mb": swap_mb,
        "disk_gb": instance_disk_gb(image_uuid, root_gb, ephemeral_gb, swap_mb),
        "metadata": key_value_pairs(server.get("metadata") or {}),
        "extra_specs": key_value_pairs(flavor.get("extra_specs") or {}),
    }


def key_value_pairs(mapping: Mapping[str, Any]) -> list[str]:
    """Maps as Neo4j can hold them, the way notifications store them: sorted "key=value"."""
    return sorted(f"{key}={value}" for key, value in mapping.items())


def _count(value: Any) -> int:
    # Before 2.75 a flavor without swap shows "" rather than 0.
    return int(value) if value not in (None, "") else 0


def _moment(value: str | None) -> datetime | None:
    """The APIs' times are UTC, with or without a zone ("...Z", or naive in OS-SRV-USG)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

