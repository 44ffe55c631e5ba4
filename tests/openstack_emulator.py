"""A Keystone, Nova and Placement API emulator served over HTTP on 127.0.0.1, for reconcile.

openstacksdk talks to it as to a cloud: it authenticates with a password against Keystone v3
(token in ``X-Subject-Token``, service catalog in the body), discovers the compute and
placement versions, and sends microversion headers. The responses follow the API
references: ``/os-services``, ``/os-hypervisors/detail`` (integer ids before 2.53, uuids
from 2.53; the hypervisor's own capacity until 2.88), ``/servers/detail`` (``all_tenants``,
``limit`` and ``marker``, a ``servers_links`` next link on every full page, the flavor
embedded from 2.47), Placement's ``/resource_providers`` and their ``/inventories``;
``/os-aggregates`` (unpaged, the uuid from 2.41), ``/os-server-groups`` (``all_projects``,
``limit`` and ``offset`` with no links, as Nova pages them; project and user from 2.13,
``policy`` and ``rules`` rather than ``policies`` from 2.64, members only while they exist),
``/flavors/detail`` (``is_public``: public flavors only unless ``none``; ``limit`` and
``marker`` by flavor id, ``flavors_links``; the description from 2.55, the extra specs from
2.61, swap 0 rather than "" from 2.75), ``/flavors/{id}/os-extra_specs`` and
``/flavors/{id}/os-flavor-access`` (404 for a public flavor, as Nova answers). Watcher's
collector asks for one hypervisor by name (``hypervisor_hostname_pattern``, a substring as
Nova's LIKE) with its instances (``with_servers``), and for the servers of one host
(``host``). A compute service's zone in ``/os-services`` is that of the aggregates holding
its host, as Nova derives it.

A test describes the cloud (``add_compute``, ``add_server``, ``add_aggregate``,
``add_server_group``, ``add_flavor``), may make one request fail with HTTP 500 (``fail``),
and reads back what was asked (``requests``).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import threading
import uuid as uuid_module
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

COMPUTE_MIN, COMPUTE_MAX = (2, 1), (2, 96)
PLACEMENT_MIN, PLACEMENT_MAX = (1, 0), (1, 39)
REGION = "RegionOne"
# nova.compute.power_state.RUNNING
RUNNING = 1


def _dotted(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor)


def inventory(total: int, reserved: int = 0, allocation_ratio: float = 1.0) -> dict[str, Any]:
    """One resource class's inventory record, as Placement shows it."""
    return {
        "total": total,
        "reserved": reserved,
        "allocation_ratio": allocation_ratio,
        "min_unit": 1,
        "max_unit": total,
        "step_size": 1,
    }


@dataclass
class Compute:
    """A nova-compute service, its hypervisor and, unless ``inventories`` is None, the
    Placement resource provider of that hypervisor (same uuid, as Nova makes it)."""

    host: str
    hypervisor_hostname: str
    hypervisor_uuid: str = field(default_factory=lambda: str(uuid_module.uuid4()))
    service_uuid: str = field(default_factory=lambda: str(uuid_module.uuid4()))
    hypervisor_type: str = "QEMU"
    status: str = "enabled"
    state: str = "up"
    disabled_reason: str | None = None
    forced_down: bool = False
    zone: str = "nova"
    updated_at: str = "2026-01-01T08:59:50.000000"
    vcpus: int = 16
    memory_mb: int = 65536
    local_gb: int = 500
    inventories: dict[str, dict[str, Any]] | None = None


@dataclass
class Server:
    uuid: str
    host: str | None
    node: str | None = None
    name: str = "server"
    project_id: str = "6f70656e737461636b20342065766572"
    user_id: str = "fake"
    vm_state: str = "active"
    power_state: int = RUNNING
    task_state: str | None = None
    image_uuid: str | None = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
    flavor: dict[str, Any] = field(
        default_factory=lambda: {
            "original_name": "m1.small",
            "vcpus": 1,
            "ram": 2048,
            "disk": 20,
            "ephemeral": 0,
            "swap": 0,
            "extra_specs": {"hw:cpu_policy": "shared"},
        }
    )
    metadata: dict[str, str] = field(default_factory=dict)
    availability_zone: str = "nova"
    key_name: str | None = None
    locked: bool = False
    locked_reason: str | None = None
    description: str | None = None
    created: str = "2026-01-01T08:00:00Z"
    updated: str = "2026-01-01T08:00:05Z"
    launched_at: str | None = "2026-01-01T08:00:04.000000"


@dataclass
class Aggregate:
    """A host aggregate; its zone is its ``availability_zone`` metadata, as in Nova."""

    id: int
    uuid: str
    name: str
    hosts: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: str = "2026-01-01T08:00:00.000000"


@dataclass
class ServerGroup:
    uuid: str
    name: str
    policy: str = "anti-affinity"
    rules: dict[str, Any] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    project_id: str = "6f70656e737461636b20342065766572"
    user_id: str = "fake"


@dataclass
class Flavor:
    flavorid: str
    name: str
    vcpus: int = 1
    ram: int = 2048
    disk: int = 20
    ephemeral: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    disabled: bool = False
    is_public: bool = True
    description: str | None = None
    extra_specs: dict[str, str] = field(default_factory=dict)
    # The projects a private flavor is shared with (os-flavor-access).
    projects: list[str] = field(default_factory=list)

    def embedded(self) -> dict[str, Any]:
        """The flavor as a server of 2.47 on embeds it (no id: only its original name)."""
        return {
            "original_name": self.name,
            "vcpus": self.vcpus,
            "ram": self.ram,
            "disk": self.disk,
            "ephemeral": self.ephemeral,
            "swap": self.swap,
            "extra_specs": dict(self.extra_specs),
        }


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    microversion: str | None


class OpenStackEmulator:
    """``with OpenStackEmulator() as cloud:`` serves until the block ends."""

    username = "admin"
    password = "s3cret-emulated-password"
    project_name = "admin"
    project_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

    def __init__(self, max_limit: int = 1000) -> None:
        self.max_limit = max_limit
        self.computes: dict[str, Compute] = {}
        # Hypervisor uuid -> its compute: Placement's provider uuids, looked up per request.
        self._by_uuid: dict[str, Compute] = {}
        self.servers: list[Server] = []
        self.aggregates: list[Aggregate] = []
        self.server_groups: list[ServerGroup] = []
        self.flavors: dict[str, Flavor] = {}
        # Nova shows a flavor's extra specs in /flavors/detail (from 2.61) only to whom its
        # policy lets index them; False plays a cloud whose policy does not.
        self.extra_specs_in_detail = True
        self.requests: list[Request] = []
        self._failures: dict[str, int] = {}
        self._changes: dict[str, tuple[int, Callable[[], object]]] = {}
        self._answers: dict[str, Any] = {}
        self._seen: Counter[str] = Counter()
        self.token = uuid_module.uuid4().hex
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ the test's side

    def __enter__(self) -> OpenStackEmulator:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @contextlib.contextmanager
    def in_a_process_of_its_own(self) -> Iterator[OpenStackEmulator]:
        """Serve from a forked process, not a thread, until the block ends: as Nova's APIs
        serve from hosts of their own, its work then shares no interpreter lock with its
        client's. The cloud is the one it held when forked; what it records of the requests
        (``requests``) stays in that process."""
        child = multiprocessing.get_context("fork").Process(
            target=self._server.serve_forever, name="openstack-emulator", daemon=True
        )
        child.start()
        try:
            yield self
        finally:
            child.terminate()
            child.join()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # a TCP server's address: (host, port); bytes is AF_UNIX's
        return f"http://{host}:{port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity/v3"

    def environment(self) -> dict[str, str]:
        """The OS_* variables an operator would source (an openrc)."""
        return {
            "OS_AUTH_TYPE": "password",
            "OS_AUTH_URL": self.auth_url,
            "OS_IDENTITY_API_VERSION": "3",
            "OS_USERNAME": self.username,
            "OS_PASSWORD": self.password,
            "OS_PROJECT_NAME": self.project_name,
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": REGION,
            "OS_INTERFACE": "public",
        }

    def write_clouds_yaml(self, path: Path, cloud: str, password: str | None = None) -> Path:
        """A clouds.yaml naming this emulator ``cloud`` (JSON is YAML); ``password`` other
        than the emulator's makes credentials Keystone refuses."""
        auth = {
            "auth_url": self.auth_url,
            "username": self.username,
            "password": password or self.password,
            "project_name": self.project_name,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }
        document = {
            "clouds": {
                cloud: {
                    "auth": auth,
                    "auth_type": "password",
                    "identity_api_version": 3,
                    "region_name": REGION,
                    "interface": "public",
                }
            }
        }
        path.write_text(json.dumps(document, indent=2))
        return path

    def add_compute(self, host: str, **details: Any) -> Compute:
        details.setdefault("hypervisor_hostname", f"{host}.example.org")
        compute = Compute(host=host, **details)
        replaced = self.computes.get(host)
        if replaced is not None:
            self._by_uuid.pop(replaced.hypervisor_uuid, None)
        self.computes[host] = compute
        self._by_uuid[compute.hypervisor_uuid] = compute
        return compute

    def add_server(self, uuid: str, host: str | None, **details: Any) -> Server:
        compute = self.computes.get(host) if host else None
        details.setdefault("node", compute.hypervisor_hostname if compute else None)
        server = Server(uuid=uuid, host=host, **details)
        self.servers.append(server)
        return server

    def remove_server(self, uuid: str) -> None:
        self.servers = [server for server in self.servers if server.uuid != uuid]

    def add_aggregate(
        self,
        name: str,
        hosts: Sequence[str] = (),
        metadata: dict[str, str] | None = None,
        availability_zone: str | None = None,
        uuid: str | None = None,
        id: int | None = None,
    ) -> Aggregate:
        """An aggregate (ids numbered as Nova's database does, unless given);
        ``availability_zone`` goes into its metadata, where Nova keeps it."""
        metadata = dict(metadata or {})
        if availability_zone is not None:
            metadata["availability_zone"] = availability_zone
        aggregate = Aggregate(
            id=id if id is not None else max((a.id for a in self.aggregates), default=0) + 1,
            uuid=uuid or str(uuid_module.uuid4()),
            name=name,
            hosts=list(hosts),
            metadata=metadata,
        )
        self.aggregates.append(aggregate)
        return aggregate

    def add_server_group(self, uuid: str, name: str, **details: Any) -> ServerGroup:
        group = ServerGroup(uuid=uuid, name=name, **details)
        self.server_groups.append(group)
        return group

    def remove_server_group(self, uuid: str) -> None:
        self.server_groups = [group for group in self.server_groups if group.uuid != uuid]

    def add_flavor(self, flavorid: str, name: str, **details: Any) -> Flavor:
        flavor = Flavor(flavorid=flavorid, name=name, **details)
        self.flavors[flavorid] = flavor
        return flavor

    def fail(self, path: str, on_request: int = 1) -> None:
        """Answer the ``on_request``-th GET of ``path`` (e.g. ``/servers/detail``) with 500."""
        self._failures[path] = on_request

    def change_before(self, path: str, on_request: int, change: Callable[[], object]) -> None:
        """Change the cloud (``change()``) just before answering the ``on_request``-th GET of
        ``path``: what another client does while a listing pages."""
        self._changes[path] = (on_request, change)

    def answer(self, path: str, document: Any) -> None:
        """Answer every GET of ``path`` with 200 and ``document``: an API gone wrong, or a
        proxy in front of it."""
        self._answers[path] = document

    def requests_to(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path.endswith(path)]

    # ------------------------------------------------------------------ the API's side

    def _count(self, path: str) -> int:
        return sum(1 for request in self.requests if request.path.endswith(path))

    def handle(
        self, method: str, target: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = parse_qs(parts.query)
        service = path.split("/")[1] if path != "/" else ""
        microversion = _requested_microversion(service, headers)
        with self._lock:
            self.requests.append(Request(method, path, query, microversion))
            for changed, (number, change) in self._changes.items():
                if path.endswith(changed) and self._count(changed) == number:
                    change()
            for failing, number in self._failures.items():
                if path.endswith(failing):
                    self._seen[failing] += 1
                    if self._seen[failing] == number:
                        fault = {"code": 500, "message": "Unexpected API Error."}
                        return 500, {}, {"computeFault": fault}
            for answered, document in self._answers.items():
                if path.endswith(answered):
                    return 200, {}, document
        if service == "identity":
            return self._identity(method, path, body)
        if headers.get("X-Auth-Token") != self.token:
            return 401, {}, {"error": {"code": 401, "message": "Authentication required"}}
        if service == "compute":
            return self._compute(path, query, microversion)
        if service == "placement":
            return self._placement(path, microversion)
        return 404, {}, {"error": {"code": 404, "message": f"no route {path}"}}

    def _identity(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        version = {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{self.auth_url}/"}],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
            ],
        }
        if method == "GET" and path == "/identity":
            return 300, {}, {"versions": {"values": [version]}}
        if method == "GET" and path == "/identity/v3":
            return 200, {}, {"version": version}
        if method == "POST" and path == "/identity/v3/auth/tokens":
            return self._token_response(json.loads(body or b"{}"))
        return 404, {}, {"error": {"code": 404, "message": f"no route {path}"}}

    def _token_response(self, request: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        user = request.get("auth", {}).get("identity", {}).get("password", {}).get("user", {})
        if (user.get("name"), user.get("password")) != (self.username, self.password):
            return 401, {}, {"error": {"code": 401, "message": "The request you have made "
                                       "requires authentication.", "title": "Unauthorized"}}
        domain = {"id": "default", "name": "Default"}

        def endpoint(service_type: str, url: str) -> dict[str, Any]:
            return {
                "id": uuid_module.uuid4().hex,
                "type": service_type,
                "name": service_type,
                "endpoints": [
                    {
                        "id": uuid_module.uuid4().hex,
                        "interface": "public",
                        "region": REGION,
                        "region_id": REGION,
                        "url": url,
                    }
                ],
            }

        token = {
            "methods": ["password"],
            "user": {"id": "u-admin", "name": self.username, "domain": domain,
                     "password_expires_at": None},
            "project": {"id": self.project_id, "name": self.project_name, "domain": domain},
            "roles": [{"id": "r-admin", "name": "admin"}, {"id": "r-reader", "name": "reader"}],
            "is_domain": False,
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "expires_at": "2999-01-01T00:00:00.000000Z",
            "audit_ids": [uuid_module.uuid4().hex[:22]],
            "catalog": [
                endpoint("identity", f"{self.url}/identity"),
                endpoint("compute", f"{self.url}/compute/v2.1"),
                endpoint("placement", f"{self.url}/placement"),
            ],
        }
        return 201, {"X-Subject-Token": self.token}, {"token": token}

    def _compute(
        self, path: str, query: dict[str, list[str]], microversion: str | None
    ) -> tuple[int, dict[str, str], Any]:
        version_doc = {
            "id": "v2.1",
            "status": "CURRENT",
            "version": _dotted(COMPUTE_MAX),
            "min_version": _dotted(COMPUTE_MIN),
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{self.url}/compute/v2.1/"}],
        }
        if path == "/compute":
            return 200, {}, {"versions": [version_doc]}
        if path == "/compute/v2.1":
            return 200, {}, {"version": version_doc}
        version = _version(microversion or "2.1")
        if not COMPUTE_MIN <= version <= COMPUTE_MAX:
            message = (
                f"Version {microversion} is not supported by the API. Minimum is "
                f"{_dotted(COMPUTE_MIN)} and maximum is {_dotted(COMPUTE_MAX)}."
            )
            return 406, {}, {"computeFault": {"code": 406, "message": message}}
        headers = {
            "OpenStack-API-Version": f"compute {version[0]}.{version[1]}",
            "X-OpenStack-Nova-API-Version": f"{version[0]}.{version[1]}",
            "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version",
        }
        resource = path.removeprefix("/compute/v2.1")
        if resource == "/os-services":
            return 200, headers, {"services": self._services(query, version)}
        if resource == "/os-hypervisors/detail":
            # Counted once a request: a count per hypervisor would make 10,000 hosts quadratic.
            running = Counter(server.host for server in self.servers)
            hypervisors = [
                self._hypervisor(c, i, version, running[c.host]) for i, c in self._computes()
                if query.get("hypervisor_hostname_pattern", [""])[0] in c.hypervisor_hostname
            ]
            if query.get("with_servers", ["false"])[0].lower() in {"1", "true", "yes"}:
                self._add_servers(hypervisors)
            return self._page(path, "hypervisors", hypervisors, query, headers, dict)
        if resource == "/servers/detail":
            return self._servers(path, query, version, headers)
        if resource == "/os-aggregates":
            aggregates = [self._aggregate_view(a, version) for a in self.aggregates]
            return 200, headers, {"aggregates": aggregates}
        if resource == "/os-server-groups":
            return self._server_groups(query, version, headers)
        if resource == "/flavors/detail":
            return self._flavors(path, query, version, headers)
        match = re.fullmatch(r"/flavors/([^/]+)/(os-extra_specs|os-flavor-access)", resource)
        if match:
            return self._flavor_part(match.group(1), match.group(2), headers)
        return 404, headers, {"itemNotFound": {"code": 404, "message": f"no route {path}"}}

    def _computes(self) -> list[tuple[int, Compute]]:
        return list(enumerate(self.computes.values(), start=1))

    def _services(
        self, query: dict[str, list[str]], version: tuple[int, int]
    ) -> list[dict[str, Any]]:
        services = []
        for number, compute in self._computes():
            service: dict[str, Any] = {
                "id": compute.service_uuid if version >= (2, 53) else number,
                "binary": "nova-compute",
                "host": compute.host,
                "zone": self.zone_of(compute),
                "status": compute.status,
                "state": compute.state,
                "disabled_reason": compute.disabled_reason,
                "updated_at": compute.updated_at,
            }
            if version >= (2, 11):
                service["forced_down"] = compute.forced_down
            services.append(service)
        # Every Nova has these too: they are not compute nodes.
        services.append({
            "id": str(uuid_module.UUID(int=1)) if version >= (2, 53) else 0,
            "binary": "nova-scheduler", "host": "controller", "zone": "internal",
            "status": "enabled", "state": "up", "disabled_reason": None,
            "updated_at": "2026-01-01T08:59:55.000000",
            **({"forced_down": False} if version >= (2, 11) else {}),
        })
        for name in ("binary", "host"):
            if name in query:
                services = [s for s in services if s[name] == query[name][0]]
        return services

    def zone_of(self, compute: Compute) -> str:
        """A compute service's zone as Nova shows it: the ``availability_zone`` metadata of
        the aggregates holding its host (several joined by commas, as Nova joins them), else
        its own ``zone`` (Nova's ``default_availability_zone``, ``nova``)."""
        zones = sorted({
            aggregate.metadata["availability_zone"]
            for aggregate in self.aggregates
            if compute.host in aggregate.hosts and aggregate.metadata.get("availability_zone")
        })
        return ",".join(zones) or compute.zone

    def _hypervisor(
        self, compute: Compute, number: int, version: tuple[int, int], running: int
    ) -> dict[str, Any]:
        uuids = version >= (2, 53)
        hypervisor: dict[str, Any] = {
            "id": compute.hypervisor_uuid if uuids else number,
            "hypervisor_hostname": compute.hypervisor_hostname,
            "hypervisor_type": compute.hypervisor_type,
            "hypervisor_version": 8002000,
            "host_ip": f"192.0.2.{number}",
            "state": compute.state,
            "status": compute.status,
            "service": {
                "host": compute.host,
                "id": compute.service_uuid if uuids else number,
                "disabled_reason": compute.disabled_reason,
            },
        }
        if version < (2, 88):
            hypervisor.update(
                vcpus=compute.vcpus,
                memory_mb=compute.memory_mb,
                local_gb=compute.local_gb,
                vcpus_used=0,
                memory_mb_used=512,
                local_gb_used=0,
                free_ram_mb=compute.memory_mb - 512,
                free_disk_gb=compute.local_gb,
                disk_available_least=compute.local_gb,
                current_workload=0,
                running_vms=running,
                cpu_info=json.dumps({"arch": "x86_64", "vendor": "Intel"}),
            )
        else:
            hypervisor["uptime"] = None
        return hypervisor

    def _add_servers(self, hypervisors: list[dict[str, Any]]) -> None:
        """``with_servers`` (2.53): each hypervisor's instances, by instance name and uuid; no
        ``servers`` key for a hypervisor without any, as Nova shows it."""
        for hypervisor in hypervisors:
            hosted = [
                {"name": f"instance-{server.uuid[:8]}", "uuid": server.uuid}
                for server in self.servers
                if server.host == hypervisor["service"]["host"]
                and server.node == hypervisor["hypervisor_hostname"]
            ]
            if hosted:
                hypervisor["servers"] = hosted

    def _servers(
        self,
        path: str,
        query: dict[str, list[str]],
        version: tuple[int, int],
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], Any]:
        all_tenants = query.get("all_tenants", ["0"])[0].lower() in {"1", "true", "yes", ""}
        # An admin's filter: the servers of one compute host.
        host = query.get("host", [None])[0]
        servers = [
            server for server in self.servers
            if (all_tenants or server.project_id == self.project_id)
            and (host is None or server.host == host)
        ]
        return self._page(
            path, "servers", servers, query, headers, lambda s: self._server_view(s, version)
        )

    def _server_view(self, server: Server, version: tuple[int, int]) -> dict[str, Any]:
        links = [{"rel": "bookmark", "href": f"{self.url}/compute/servers/{server.uuid}"}]
        if version >= (2, 47):
            flavor = dict(server.flavor)
            if version < (2, 75) and not flavor.get("swap"):
                flavor["swap"] = ""  # before 2.75 Nova shows no swap as an empty string
        else:
            flavor = {"id": "1", "links": links}
        view: dict[str, Any] = {
            "id": server.uuid,
            "name": server.name,
            "status": "ACTIVE" if server.vm_state == "active" else server.vm_state.upper(),
            "tenant_id": server.project_id,
            "user_id": server.user_id,
            "metadata": server.metadata,
            "hostId": uuid_module.uuid5(uuid_module.NAMESPACE_DNS, server.host or "").hex,
            "image": {"id": server.image_uuid, "links": links} if server.image_uuid else "",
            "flavor": flavor,
            "created": server.created,
            "updated": server.updated,
            "addresses": {},
            "accessIPv4": "",
            "accessIPv6": "",
            "links": links,
            "key_name": server.key_name,
            "config_drive": "",
            "progress": 0,
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": server.availability_zone,
            "OS-EXT-SRV-ATTR:host": server.host,
            "OS-EXT-SRV-ATTR:hypervisor_hostname": server.node,
            "OS-EXT-SRV-ATTR:instance_name": f"instance-{server.uuid[:8]}",
            "OS-EXT-STS:vm_state": server.vm_state,
            "OS-EXT-STS:power_state": server.power_state,
            "OS-EXT-STS:task_state": server.task_state,
            "OS-SRV-USG:launched_at": server.launched_at,
            "OS-SRV-USG:terminated_at": None,
            "os-extended-volumes:volumes_attached": [],
            "security_groups": [{"name": "default"}],
        }
        if version >= (2, 9):
            view["locked"] = server.locked
        if version >= (2, 19):
            view["description"] = server.description
        if version >= (2, 26):
            view["tags"] = []
        if version >= (2, 73):
            view["locked_reason"] = server.locked_reason
        return view

    def _aggregate_view(self, aggregate: Aggregate, version: tuple[int, int]) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": aggregate.id,
            "name": aggregate.name,
            "availability_zone": aggregate.metadata.get("availability_zone"),
            "hosts": list(aggregate.hosts),
            "metadata": dict(aggregate.metadata),
            "created_at": aggregate.created_at,
            "updated_at": None,
            "deleted_at": None,
            "deleted": False,
        }
        if version >= (2, 41):
            view["uuid"] = aggregate.uuid
        return view

    def _server_groups(
        self, query: dict[str, list[str]], version: tuple[int, int], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        """Nova's ``common.limited``: ``offset`` and ``limit`` (at most ``max_limit``) over the
        groups in the database's order, no links; ``all_projects`` (any value) for an admin."""
        groups = [
            group for group in self.server_groups
            if "all_projects" in query or group.project_id == self.project_id
        ]
        try:
            offset = int(query.get("offset", ["0"])[0])
            limit = min(int(query.get("limit", [self.max_limit])[0]), self.max_limit)
        except ValueError:
            message = "limit and offset must be integers"
            return 400, headers, {"badRequest": {"code": 400, "message": message}}
        if offset < 0 or limit < 0:
            message = "limit and offset must be >= 0"
            return 400, headers, {"badRequest": {"code": 400, "message": message}}
        existing = {server.uuid for server in self.servers}
        page = [
            self._server_group_view(group, version, existing)
            for group in groups[offset : offset + limit]
        ]
        return 200, headers, {"server_groups": page}

    def _server_group_view(
        self, group: ServerGroup, version: tuple[int, int], existing: set[str]
    ) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": group.uuid,
            "name": group.name,
            # Nova shows the members that are not deleted (their instance mappings).
            "members": [member for member in group.members if member in existing],
        }
        if version >= (2, 64):
            view["policy"] = group.policy
            view["rules"] = dict(group.rules)
        else:
            view["policies"] = [group.policy]
            view["metadata"] = {}
        if version >= (2, 13):
            view["project_id"] = group.project_id
            view["user_id"] = group.user_id
        return view

    def _flavors(
        self,
        path: str,
        query: dict[str, list[str]],
        version: tuple[int, int],
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], Any]:
        """An admin's listing: ``is_public`` absent or true shows the public flavors, ``none``
        every flavor, false the private ones; sorted by flavor id, as Nova sorts them."""
        is_public = query.get("is_public", ["true"])[0].lower()
        flavors = sorted(self.flavors.values(), key=lambda flavor: flavor.flavorid)
        if is_public in {"true", "t", "1", "yes", "y"}:
            flavors = [flavor for flavor in flavors if flavor.is_public]
        elif is_public in {"false", "f", "0", "no", "n"}:
            flavors = [flavor for flavor in flavors if not flavor.is_public]
        elif is_public != "none":
            message = f"Invalid is_public filter [{is_public}]"
            return 400, headers, {"badRequest": {"code": 400, "message": message}}
        return self._page(
            path, "flavors", flavors, query, headers, lambda f: self._flavor_view(f, version)
        )

    def _flavor_view(self, flavor: Flavor, version: tuple[int, int]) -> dict[str, Any]:
        links = [{"rel": "self", "href": f"{self.url}/compute/v2.1/flavors/{flavor.flavorid}"}]
        view: dict[str, Any] = {
            "id": flavor.flavorid,
            "name": flavor.name,
            "ram": flavor.ram,
            "disk": flavor.disk,
            # Before 2.75 Nova shows no swap as an empty string.
            "swap": flavor.swap if flavor.swap or version >= (2, 75) else "",
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "OS-FLV-DISABLED:disabled": flavor.disabled,
            "vcpus": flavor.vcpus,
            "os-flavor-access:is_public": flavor.is_public,
            "rxtx_factor": flavor.rxtx_factor,
            "links": links,
        }
        if version >= (2, 55):
            view["description"] = flavor.description
        if version >= (2, 61) and self.extra_specs_in_detail:
            view["extra_specs"] = dict(flavor.extra_specs)
        return view

    def _flavor_part(
        self, flavorid: str, part: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        flavor = self.flavors.get(flavorid)
        if flavor is None:
            message = f"Flavor {flavorid} could not be found."
            return 404, headers, {"itemNotFound": {"code": 404, "message": message}}
        if part == "os-extra_specs":
            return 200, headers, {"extra_specs": dict(flavor.extra_specs)}
        if flavor.is_public:
            message = "Access list not available for public flavors."
            return 404, headers, {"itemNotFound": {"code": 404, "message": message}}
        access = [{"flavor_id": flavorid, "tenant_id": project} for project in flavor.projects]
        return 200, headers, {"flavor_access": access}

    def _page(
        self,
        path: str,
        key: str,
        items: Sequence[Any],
        query: dict[str, list[str]],
        headers: dict[str, str],
        view: Callable[[Any], dict[str, Any]],
    ) -> tuple[int, dict[str, str], Any]:
        """Nova's limit/marker paging: a next link whenever the page is full. Only the page
        is rendered (``view``), so that a large cloud pages in linear time."""
        limit = min(int(query.get("limit", [self.max_limit])[0]), self.max_limit)
        start = 0
        if "marker" in query:
            ids = [str(_identity(item)) for item in items]
            marker = query["marker"][0]
            if marker not in ids:
                message = f"marker [{marker}] not found"
                return 400, headers, {"badRequest": {"code": 400, "message": message}}
            start = ids.index(marker) + 1
        page = [view(item) for item in items[start : start + limit]]
        body: dict[str, Any] = {key: page}
        if page and len(page) == limit:
            following = {name: values[0] for name, values in query.items()}
            following.update(limit=str(limit), marker=str(page[-1]["id"]))
            body[f"{key}_links"] = [
                {"rel": "next", "href": f"{self.url}{path}?{urlencode(following)}"}
            ]
        return 200, headers, body

    def _placement(
        self, path: str, microversion: str | None
    ) -> tuple[int, dict[str, str], Any]:
        if path == "/placement":
            version_doc = {
                "id": "v1.0",
                "min_version": _dotted(PLACEMENT_MIN),
                "max_version": _dotted(PLACEMENT_MAX),
                "status": "CURRENT",
                "links": [{"rel": "self", "href": f"{self.url}/placement/"}],
            }
            return 200, {}, {"versions": [version_doc]}
        version = _version(microversion or "1.0")
        if not PLACEMENT_MIN <= version <= PLACEMENT_MAX:
            return 406, {}, {"errors": [{"status": 406, "title": "Not Acceptable",
                                         "detail": f"Unacceptable version {microversion}"}]}
        headers = {
            "OpenStack-API-Version": f"placement {version[0]}.{version[1]}",
            "Vary": "OpenStack-API-Version",
        }
        if path == "/placement/resource_providers":
            providers = {
                compute.hypervisor_uuid: compute
                for compute in self.computes.values()
                if compute.inventories is not None
            }
            return 200, headers, {
                "resource_providers": [
                    {
                        "uuid": provider,
                        "name": compute.hypervisor_hostname,
                        "generation": 1,
                        "parent_provider_uuid": None,
                        "root_provider_uuid": provider,
                        "links": [
                            {"rel": "self",
                             "href": f"/placement/resource_providers/{provider}"},
                        ],
                    }
                    for provider, compute in providers.items()
                ]
            }
        match = re.fullmatch(r"/placement/resource_providers/([0-9a-f-]+)/inventories", path)
        if match:
            compute = self._by_uuid.get(match.group(1))
            if compute is None or compute.inventories is None:
                detail = f"No resource provider with uuid {match.group(1)} found"
                return 404, headers, {"errors": [{"status": 404, "title": "Not Found",
                                                  "detail": detail}]}
            return 200, headers, {
                "inventories": compute.inventories,
                "resource_provider_generation": 1,
            }
        return 404, headers, {"errors": [{"status": 404, "title": "Not Found", "detail": path}]}


@contextlib.contextmanager
def served(monkeypatch: Any) -> Iterator[OpenStackEmulator]:
    """An emulator serving until the block ends, named by the OS_* variables of an openrc
    (pytest's ``monkeypatch`` removes the environment's own and puts them back after)."""
    with OpenStackEmulator() as emulator:
        for name in [name for name in os.environ if name.startswith("OS_")]:
            monkeypatch.delenv(name)
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        yield emulator


def _identity(item: Any) -> Any:
    """The id a listing's marker names: a server's uuid, a flavor's id, a rendered item's id."""
    if isinstance(item, Server):
        return item.uuid
    if isinstance(item, Flavor):
        return item.flavorid
    return item["id"]


def _requested_microversion(service: str, headers: Any) -> str | None:
    """``OpenStack-API-Version: compute 2.53`` (or Nova's older header); None when absent."""
    for value in headers.get_all("OpenStack-API-Version") or []:
        name, _, version = value.strip().partition(" ")
        if name == service:
            return _latest(service, version.strip())
    if service == "compute" and headers.get("X-OpenStack-Nova-API-Version"):
        return _latest(service, headers["X-OpenStack-Nova-API-Version"].strip())
    return None


def _latest(service: str, version: str) -> str:
    if version != "latest":
        return version
    newest = COMPUTE_MAX if service == "compute" else PLACEMENT_MAX
    return _dotted(newest)


def _handler_for(emulator: OpenStackEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: with Nagle's algorithm on, each answer on a
        # kept-alive connection waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, document = emulator.handle(
                self.command, self.path, self.headers, body
            )
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests read ``emulator.requests`` instead

    return Handler
