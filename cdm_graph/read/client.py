"""Read the compute data model as Watcher strategies do, from Neo4j instead of memory.

``GraphClient`` answers Watcher's ``ModelRoot`` read API (``cdm_graph.read.protocol``) with
one Cypher statement of ``cypher/client/`` a call, and the analysts' named queries
(``query``). It goes to Neo4j through a ``cdm_graph.gateway.Gateway``, in READ transactions:
Neo4j refuses any write made through it. Given a driver, it does not wait for an absent Neo4j
(``gateway.NO_WAIT``): strategies and analysts get an answer or an error at once.

``snapshot()`` reads the whole model in one read transaction, with a fixed number of queries
whatever the size of the cloud, into a ``Snapshot`` a strategy may change; ``watcher_model()``
makes that a real Watcher ``ModelRoot`` (the ``watcher`` extra). Its compute nodes and
instances come as a record per compute node holding the node and those it hosts
(``cypher/client/snapshot``): few records, as the driver's work per record was most of the
time of reading a large model, yet sent as Neo4j makes them, so that the client builds the
model while Neo4j reads the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import neo4j

from cdm_graph.gateway import NO_WAIT, Gateway, plain_rows, run
from cdm_graph.memory import collector_paused
from cdm_graph.read.models import (
    Aggregate,
    AvailabilityZone,
    ComputeNode,
    Flavor,
    Instance,
    ServerGroup,
)
from cdm_graph.read.protocol import ModelReader
from cdm_graph.read.snapshot import Groupings, Snapshot

if TYPE_CHECKING:
    from watcher.decision_engine.model.model_root import ModelRoot


def _node(row: Mapping[str, Any]) -> ComputeNode:
    return ComputeNode.from_graph(row)


_uuid = attrgetter("uuid")


def _hostname_of_host(host: tuple[ComputeNode, list[Instance]]) -> str:
    return host[0].hostname


def _instance(row: Mapping[str, Any]) -> Instance:
    return Instance.from_graph(row, row["host"])


class GraphClient(ModelReader):
    """Read-only access to the compute data model in Neo4j, with Watcher's ModelRoot API.

    ``GraphClient(driver)`` or ``GraphClient(driver, database)`` reads through a gateway of
    its own that does not wait for Neo4j; ``GraphClient(gateway)`` through that gateway, its
    database and retries.
    """

    def __init__(self, driver: neo4j.Driver | Gateway, database: str | None = None) -> None:
        if isinstance(driver, Gateway):
            if database is not None:
                raise ValueError("a gateway reads its own database: pass one or the other")
            self._gateway = driver
        else:
            self._gateway = Gateway(driver, "neo4j" if database is None else database, NO_WAIT)

    def query(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run one statement of ``cypher/`` (e.g. ``queries/overcommitted_hosts``) in a read
        transaction; its rows as dicts, Neo4j's temporal values as Python's."""
        return self._gateway.query(name, **parameters)

    def _one(self, name: str, **parameters: Any) -> dict[str, Any] | None:
        found = self.query(name, **parameters)
        return found[0] if found else None

    # ---------------------------------------------------------------- the read primitives

    def _every_node(self) -> Iterable[ComputeNode]:
        return map(_node, self.query("client/compute_nodes"))

    def _every_instance(self) -> Iterable[Instance]:
        return map(_instance, self.query("client/instances"))

    def _node_by_uuid(self, uuid: str) -> ComputeNode | None:
        row = self._one("client/compute_node_by_uuid", uuid=uuid)
        return None if row is None else _node(row)

    def _node_by_name(self, hostname: str) -> ComputeNode | None:
        row = self._one("client/compute_node_by_hostname", hostname=hostname)
        return None if row is None else _node(row)

    def _instance_with_node(self, uuid: str) -> tuple[Instance, ComputeNode | None] | None:
        row = self._one("client/instance_by_uuid", uuid=uuid)
        if row is None:
            return None
        node = row["compute_node"]
        return _instance(row), None if node is None else _node(node)

    def _hosted_by(self, node: ComputeNode) -> list[Instance] | None:
        # By hostname alone: a node the graph does not hold hosts nothing.
        hosted = self.query("client/hosted_instances", hostname=node.hostname)
        return [_instance(row) for row in hosted]

    def _usage(self, node: ComputeNode) -> tuple[ComputeNode, dict[str, int]] | None:
        # Summed in Cypher: one row, however many instances the node hosts.
        row = self._one("client/used_resources", hostname=node.hostname)
        if row is None:
            return None
        return node, {"vcpu": row["vcpu"], "memory": row["memory"], "disk": row["disk"]}

    # ---------------------------------------------------------------- beyond Watcher's model

    def _nodes_named(self, hostnames: Iterable[str]) -> list[ComputeNode]:
        return [_node(row) for row in self.query("client/compute_nodes_named",
                                                 hostnames=list(hostnames))]

    def _instances_with_uuids(self, uuids: Iterable[str]) -> list[Instance]:
        return [_instance(row) for row in self.query("client/instances_with_uuids",
                                                     uuids=list(uuids))]

    def _aggregates(self, uuid_or_name: str | None = None,
                    hostname: str | None = None) -> list[Aggregate]:
        rows = self.query("client/aggregates", uuid_or_name=uuid_or_name, hostname=hostname)
        return [Aggregate.from_graph(row) for row in rows]

    def _every_aggregate(self) -> Iterable[Aggregate]:
        return self._aggregates()

    def _aggregate(self, uuid_or_name: str) -> Aggregate | None:
        # The statement puts the one whose uuid matches first.
        found = self._aggregates(uuid_or_name=uuid_or_name)
        return found[0] if found else None

    def _aggregates_of(self, hostname: str) -> list[Aggregate]:
        return self._aggregates(hostname=hostname)

    def _zones(self, name: str | None = None,
               hostname: str | None = None) -> list[AvailabilityZone]:
        rows = self.query("client/availability_zones", zone=name, hostname=hostname)
        return [AvailabilityZone.from_graph(row) for row in rows]

    def _every_zone(self) -> Iterable[AvailabilityZone]:
        return self._zones()

    def _zone(self, name: str) -> AvailabilityZone | None:
        found = self._zones(name=name)
        return found[0] if found else None

    def _zones_of(self, hostname: str) -> list[AvailabilityZone]:
        return self._zones(hostname=hostname)

    def _every_server_group(self) -> Iterable[ServerGroup]:
        return map(ServerGroup.from_graph, self.query("client/server_groups", uuid=None))

    def _server_group(self, uuid: str) -> ServerGroup | None:
        row = self._one("client/server_groups", uuid=uuid)
        return None if row is None else ServerGroup.from_graph(row)

    def _server_groups_of(self, instance_uuid: str) -> list[ServerGroup]:
        rows = self.query("client/server_groups_of_instance", uuid=instance_uuid)
        return [ServerGroup.from_graph(row) for row in rows]

    def _every_flavor(self) -> Iterable[Flavor]:
        return map(Flavor.from_graph, self.query("client/flavors", flavorid=None))

    def _flavor(self, flavorid: str) -> Flavor | None:
        row = self._one("client/flavors", flavorid=flavorid)
        return None if row is None else Flavor.from_graph(row)

    def _flavor_of(self, instance_uuid: str) -> Flavor | None:
        row = self._one("client/flavor_of_instance", uuid=instance_uuid)
        return None if row is None else Flavor.from_graph(row)

    def _instances_of_flavor(self, flavorid: str) -> list[Instance]:
        rows = self.query("client/instances_of_flavor", flavorid=flavorid)
        return [_instance(row) for row in rows]

    # ---------------------------------------------------------------- whole model

    def snapshot(self) -> Snapshot:
        """The whole model as of one moment: one read transaction, one query for the compute
        nodes and their instances, one per other kind of element (aggregates, zones, server
        groups, flavors)."""

        def work(tx: neo4j.ManagedTransaction) -> Snapshot:
            hosts: list[tuple[ComputeNode, list[Instance]]] = []
            unhosted: list[Instance] = []
            # Built as Neo4j sends each node's (read_streamed); Neo4j reads them in the
            # store's order.
            for node_row, hosted in run(tx, "client/snapshot"):
                if node_row is None:
                    unhosted = [Instance.from_columns(values, None) for values in hosted]
                    continue
                node = _node(node_row)
                hosts.append((node, sorted(
                    [Instance.from_columns(values, node.hostname) for values in hosted],
                    key=_uuid,
                )))
            hosts.sort(key=_hostname_of_host)

            def rows(name: str, **parameters: Any) -> Iterable[dict[str, Any]]:
                return plain_rows(run(tx, name, **parameters))

            groupings = Groupings(
                aggregates=tuple(map(Aggregate.from_graph, rows(
                    "client/aggregates", uuid_or_name=None, hostname=None))),
                zones=tuple(map(AvailabilityZone.from_graph, rows(
                    "client/availability_zones", zone=None, hostname=None))),
                server_groups=tuple(map(ServerGroup.from_graph, rows(
                    "client/server_groups", uuid=None))),
                flavors=tuple(map(Flavor.from_graph, rows("client/flavors", flavorid=None))),
            )
            return Snapshot.of_hosts(hosts, unhosted, groupings)

        with collector_paused():
            return self._gateway.read_streamed(work)

    def watcher_model(self) -> ModelRoot:
        """A Watcher ``ModelRoot`` of the whole model (needs the ``watcher`` extra)."""
        return self.snapshot().to_watcher_model()
