"""Reconcile: make the graph what Nova and Placement say, without undoing newer notifications.

A listing (``cdm_graph.listing``) that began at T becomes the events a notification would
have been, all at time T: each nova-compute service a service event, each server an
instance event whose host is authoritative, and each aggregate, flavor and server group the
event its family makes of the API's document (``families.<family>.listed_*``, which refuses
what it would refuse of a notification). They go through the same batches as
notifications (``GraphWriter.apply_batch``), so Nova's clock still decides: what a
notification wrote after T stays, and a tombstone newer than T keeps its element deleted.
At T itself a notification wins (a listing's stamp ranks below any notification's:
``plan.clock.Precedence``).

Capacity, which no notification carries, has its own guarded statement
(``cypher/reconcile/upsert_capacity.cypher``, clock ``capacity_time``).

Only a kind listed whole removes anything (a failure while listing flavors removes no
flavor, and costs the other kinds nothing): an element of that kind the graph holds, that
the listing does not show and that no event newer than T wrote, gets a deletion at T,
leaving a tombstone like any deletion.

One exception to "newer wins": a time the graph holds that is ahead of this host's clock by
more than ``[graph] max_clock_skew`` was stamped by a publisher whose clock was wrong, before
the synchronizer refused such events (``cdm_graph.apply.pipeline.Guard``). Nothing would
outvote it until it came, so the reconcile first brings it back to just before T: the
listing, and every notification after it, then repair the element.
"""

from __future__ import annotations

import itertools
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import neo4j
import openstack
from openstack.connection import Connection
from oslo_config import cfg

from cdm_graph import __version__
from cdm_graph.apply.pipeline import Guard
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.config import RECONCILE_BATCH_SIZE, RECONCILE_WRITERS
from cdm_graph.families import aggregate
from cdm_graph.families.base import Action, Event, HostEvidence, listed
from cdm_graph.families.compute_node import ComputeNodeEvent
from cdm_graph.families.flavor import listed_flavor, listed_flavor_gone
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.families.server_group import listed_server_group, listed_server_group_gone
from cdm_graph.gateway import run
from cdm_graph.memory import collector_paused
from cdm_graph.plan.clock import MICROSECOND, Stamp, older, to_us
from cdm_graph.reconcile.listing import (
    AGGREGATES,
    CLOUD_ERRORS,
    COMPUTE_NODES,
    FLAVORS,
    INSTANCES,
    KINDS,
    SERVER_GROUPS,
    Listing,
    Progress,
    errors_text,
    list_cloud,
    no_progress,
)
from cdm_graph.sync.duties import Duty, DutyFailed
from cdm_graph.transport.envelope import Rejected

LOG = logging.getLogger(__name__)

# The event type of what a reconcile writes: the last_event operators then see.
RECONCILE = "reconcile"
# An instance's clocks, as batch/instance/read returns them (since: its HOSTS edge's).
BROUGHT_BACK = ("event_time", "host_since", "authoritative_at", "hinted_at", "since")
# Each kind of the listing its family makes events of -> the statement reading the stamps
# of what the graph holds of it.
SWEPT_STORED = {
    AGGREGATES: "reconcile/listed_aggregates",
    FLAVORS: "reconcile/listed_flavors",
    SERVER_GROUPS: "reconcile/listed_server_groups",
}


@dataclass(slots=True)
class Summary:
    """Per kind, as the graph was read before the listing was written. ``kept`` ones were
    written by a notification newer than the listing, which wins."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    left_out: Counter[str] = field(default_factory=Counter)
    # Shown by the listing, refused by the family's rules (as a notification would be):
    # neither written nor removed.
    refused: Counter[str] = field(default_factory=Counter)
    # Held a time ahead of this host's clock beyond the bound, brought back before the listing.
    ahead: Counter[str] = field(default_factory=Counter)
    # Kind -> why its listing ended early (none of that kind was removed).
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def failed(cls, error: str) -> Summary:
        """Nothing listed at all (the cloud could not even be reached)."""
        return cls(errors=dict.fromkeys(KINDS, error))

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def error(self) -> str | None:
        return errors_text(self.errors)

    def count(self, kind: str, stored: Stamp | None, listing: Stamp) -> None:
        if stored is None:
            self.created[kind] += 1
        elif stored < listing:
            self.updated[kind] += 1
        else:
            self.kept[kind] += 1

    def text(self) -> str:
        lines = [
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.removed[kind]} removed, {self.kept[kind]} kept (newer notification)"
            + (f", {self.left_out[kind]} left out (ironic)"
               if kind in (COMPUTE_NODES, INSTANCES) else "")
            for kind in KINDS
        ]
        lines += [
            f"{kind}: {self.refused[kind]} refused (see the log), kept as the graph held them"
            for kind in KINDS
            if self.refused[kind]
        ]
        lines += [
            f"{kind}: {self.ahead[kind]} held a time ahead of this host's clock by more than "
            "max_clock_skew, brought back so that the listing repaired them"
            for kind in (COMPUTE_NODES, INSTANCES)
            if self.ahead[kind]
        ]
        if self.error is not None:
            lines.append(f"listing incomplete, nothing removed of {self.error}")
        return "\n".join(lines)


_Item = TypeVar("_Item")


def _chunks(items: Sequence[_Item], size: int) -> Iterator[Sequence[_Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _resting_on(event: Event) -> str:
    """What a batch of ``event`` locks that another batch of the listing may lock too: the
    compute node an instance rests on (its key where it rests on none), else the element's
    own key."""
    if isinstance(event, InstanceEvent) and event.host is not None:
        return event.host
    return event.key


def host_aligned(events: Sequence[Event], size: int) -> Iterator[list[Event]]:
    """The events in batches of at least ``size`` (the last may be smaller), each ending
    where the next host's begins: the listed instances of one host are never split between
    two batches (a batch may hold up to one host's instances more than ``size``).

    A batch holds the locks it takes until it commits, and another batch needing one of them
    waits that long. Batches of listed instances written at once then lock different compute
    nodes, but for an instance the graph holds on another host (a move the listing repairs).
    Other events still share locks across batches (a deletion locks the host the graph
    holds its instance on, an aggregate its hosts): they wait for each other, no more."""
    batch: list[Event] = []
    last: str | None = None
    for event in sorted(events, key=lambda event: (_resting_on(event), event.key)):
        resting_on = _resting_on(event)
        if len(batch) >= size and resting_on != last:
            yield batch
            batch = []
        batch.append(event)
        last = resting_on
    if batch:
        yield batch


def apply_listing(
    writer: GraphWriter,
    listing: Listing,
    batch_size: int = RECONCILE_BATCH_SIZE,
    progress: Progress = no_progress,
    guard: Guard | None = None,
    writers: int = RECONCILE_WRITERS,
) -> Summary:
    """Write the listing to the graph, ``writers`` batches at once; remove what it lacks only
    of the kinds it listed whole. Times held beyond ``guard``'s bound (default: the default
    bound) are brought back first."""
    with collector_paused(), progress("writing", None) as advance:
        writing = _ListingWriter(writer, listing.started_at, batch_size, advance, guard, writers)
        return writing.finish(listing)


class _ListingWriter:
    """A listing written to the graph, in parts: ``write_grown`` writes the compute nodes and
    servers listed since its last call (it may be called as the listing grows, from one
    thread at a time), ``finish`` the rest of the complete listing and the removals.

    Made, it reads the stamps of what the graph holds and brings back the times held beyond
    the guard's bound: before anything of the listing is written.

    Each part's batches (``host_aligned``) are written ``writers`` at once: a batch spends a
    fifth to a third of its time in this process (resolving it, encoding its rows), during
    which Neo4j can work on another; batches of listed instances lock different compute
    nodes, so that they seldom wait for each other. The events of one part are all at the
    listing's time, each element once: the graph after them is the same in any order, as
    after notifications. The parts stay in their order (compute nodes before their capacity
    and instances, instances before the server groups that link them)."""

    def __init__(
        self,
        writer: GraphWriter,
        started_at: datetime,
        batch_size: int,
        advance: Callable[[int], object],
        guard: Guard | None,
        writers: int,
    ) -> None:
        self._writer = writer
        self._batch_size = batch_size
        self._writers = writers
        self._advance = advance
        self._upsert = listed(started_at, Action.UPSERT)
        self._gone = listed(started_at, Action.DELETE)
        self._nodes_written = 0
        self._servers_written = 0
        self._stored = writer.gateway.read(_stored_stamps, list(SWEPT_STORED.values()))
        self.summary = Summary()
        self.summary.ahead.update(
            bring_back(writer, (guard or Guard()).limit(), started_at, *self._stored[:2])
        )

    def _write(self, events: Sequence[Event]) -> None:
        """Every batch of ``events`` written, at most ``writers`` at once. After a failure
        no batch starts; the ones being written end, and the first failure is raised (any
        other is logged)."""
        batches = list(host_aligned(events, self._batch_size))
        if self._writers == 1 or len(batches) <= 1:
            for batch in batches:
                self._writer.apply_batch(batch)
                self._advance(len(batch))
            return
        waiting = iter(batches)
        failure: BaseException | None = None
        with ThreadPoolExecutor(self._writers, thread_name_prefix="reconcile-batch") as pool:
            writing: dict[Future[None], int] = {}
            for batch in itertools.islice(waiting, self._writers):
                writing[pool.submit(self._writer.apply_batch, batch)] = len(batch)
            while writing:
                ended, _ = wait(writing, return_when=FIRST_COMPLETED)
                for write in ended:
                    size = writing.pop(write)
                    error = write.exception()
                    if error is None:
                        self._advance(size)
                    elif failure is None:
                        failure = error
                    else:
                        LOG.error("reconcile: another batch failed too: %s", error)
                if failure is None:
                    for batch in itertools.islice(waiting, len(ended)):
                        writing[pool.submit(self._writer.apply_batch, batch)] = len(batch)
        if failure is not None:
            raise failure

    def write_grown(self, listing: Listing) -> None:
        """The compute nodes (then their capacity) and the servers listed since the last
        call. Compute nodes first, so that their capacity and the aggregates find them
        described."""
        # The collector paused for one write at a time, not for a whole listing (minutes
        # against a slow API): a sync consuming meanwhile has its garbage collected between.
        with collector_paused():
            self._write_grown(listing)

    def _write_grown(self, listing: Listing) -> None:
        stored_nodes, stored_instances, _ = self._stored
        upsert, summary = self._upsert, self.summary
        nodes = listing.compute_nodes[self._nodes_written :]
        self._nodes_written += len(nodes)
        node_events: list[Event] = []
        capacity: list[dict[str, Any]] = []
        for node in nodes:
            summary.count(COMPUTE_NODES, stored_nodes.get(node.hostname), upsert)
            node_events.append(
                ComputeNodeEvent(RECONCILE, upsert, node.hostname, Action.UPSERT, node.properties)
            )
            if node.hypervisor is not None:
                capacity.append(
                    {"hostname": node.hostname, **upsert.columns("time"),
                     "properties": dict(node.hypervisor)}
                )  # fmt: skip
        self._write(node_events)
        for chunk in _chunks(capacity, self._batch_size):
            self._writer.gateway.write(_write_capacity, chunk)
            self._advance(len(chunk))

        servers = listing.servers[self._servers_written :]
        self._servers_written += len(servers)
        instance_events: list[Event] = []
        for server in servers:
            summary.count(INSTANCES, stored_instances.get(server.uuid), upsert)
            instance_events.append(
                InstanceEvent(
                    event_type=RECONCILE,
                    stamp=upsert,
                    uuid=server.uuid,
                    action=Action.UPSERT,
                    host_evidence=HostEvidence.AUTHORITATIVE,
                    host=server.host,
                    node=server.node,
                    properties=server.properties,
                )
            )
        self._write(instance_events)

    def finish(self, listing: Listing) -> Summary:
        """What ``write_grown`` has not written yet, the aggregates, flavors and server
        groups (those link to instances: after them, to link once both are written), then
        the removals of the kinds listed whole. Removals go by the graph as it is once the
        listing ended (read again if anything was written meanwhile): what a notification
        wrote while it ran is found there."""
        with collector_paused():
            return self._finish(listing)

    def _finish(self, listing: Listing) -> Summary:
        if self._nodes_written or self._servers_written:
            self._stored = self._writer.gateway.read(
                _stored_stamps, list(SWEPT_STORED.values())
            )
        self._write_grown(listing)
        stored_nodes, stored_instances, stored_swept = self._stored
        summary = self.summary
        summary.errors = dict(listing.errors)
        summary.left_out.update(
            {COMPUTE_NODES: len(listing.left_out_hosts), INSTANCES: len(listing.left_out_servers)}
        )
        kinds = _swept_kinds(listing)
        swept = {
            kind.name: _swept_events(kind, stored_swept[kind.stored], listing, summary)
            for kind in kinds
        }
        removals: list[Event] = []
        if listing.complete_for(INSTANCES):
            shown = {server.uuid for server in listing.servers} | listing.left_out_servers
            for uuid, stored in sorted(stored_instances.items()):
                if uuid not in shown and older(stored, self._gone):
                    removals.append(
                        InstanceEvent(
                            RECONCILE, self._gone, uuid, Action.DELETE, HostEvidence.STALE
                        )
                    )
                    summary.removed[INSTANCES] += 1
        if listing.complete_for(COMPUTE_NODES):
            hosts = {node.hostname for node in listing.compute_nodes} | listing.left_out_hosts
            for hostname, stored in sorted(stored_nodes.items()):
                if hostname not in hosts and older(stored, self._gone):
                    removals.append(
                        ComputeNodeEvent(RECONCILE, self._gone, hostname, Action.DELETE)
                    )
                    summary.removed[COMPUTE_NODES] += 1
        for _, gone in swept.values():
            removals += gone
        for linking in (False, True):
            for kind in kinds:
                if kind.links_instances is linking:
                    self._write(swept[kind.name][0])
        self._write(removals)
        return summary


_Stamps = dict[str, Stamp | None]


def _stored_stamps(
    tx: neo4j.ManagedTransaction, swept: Sequence[str]
) -> tuple[_Stamps, _Stamps, dict[str, _Stamps]]:
    """The stamp of every described compute node (by hostname) and instance (by uuid) the
    graph holds, and of every element of the ``swept`` kinds (statement -> key -> stamp), as
    of one moment."""
    nodes = {
        hostname: Stamp.stored(stamp)
        for hostname, stamp in run(tx, "reconcile/listed_compute_nodes")
    }
    [instances] = run(tx, "reconcile/listed_instances").single(strict=True)
    elements = {
        statement: {key: Stamp.stored(stamp) for key, stamp in run(tx, statement)}
        for statement in swept
    }
    return nodes, {uuid: Stamp.stored(stamp) for uuid, stamp in instances}, elements


@dataclass(frozen=True, slots=True)
class _Swept:
    """A kind of the listing kept as the API shows it, which its family makes events of:
    what the graph holds of it (``stored``: each key with its stamp), each element the listing
    shows with the making of its event (a family refuses what it would refuse of a
    notification, naming the field), the keys shown but not to be written (``unwritten``),
    the deletion of an element a complete listing no longer shows, and whether its elements
    link to instances (then written after them)."""

    name: str
    stored: str
    shown: Sequence[tuple[str, Callable[[], Event]]]
    unwritten: Set[str]
    gone: Callable[[str], Event]
    links_instances: bool = False


def _swept_kinds(listing: Listing) -> list[_Swept]:
    at = listing.started_at
    return [
        _Swept(
            AGGREGATES,
            SWEPT_STORED[AGGREGATES],
            [(str(item["uuid"]), partial(_listed_aggregate, item, at))
             for item in listing.aggregates],
            frozenset(),
            lambda key: aggregate.listed_gone(key, at),
        ),
        _Swept(
            FLAVORS,
            SWEPT_STORED[FLAVORS],
            [(item.flavorid,
              partial(listed_flavor, item.flavor, at, item.extra_specs, item.access))
             for item in listing.flavors],
            listing.vanished_flavors,
            lambda key: listed_flavor_gone(key, at),
        ),
        _Swept(
            SERVER_GROUPS,
            SWEPT_STORED[SERVER_GROUPS],
            [(str(item["id"]), partial(listed_server_group, item, at))
             for item in listing.server_groups],
            frozenset(),
            lambda key: listed_server_group_gone(key, at),
            links_instances=True,
        ),
    ]


def _listed_aggregate(item: Mapping[str, Any], at: datetime) -> Event:
    """One aggregate's event: each is refused or written on its own."""
    [event] = aggregate.listed_aggregates([item], at)
    return event


def _swept_events(
    kind: _Swept, stored: _Stamps, listing: Listing, summary: Summary
) -> tuple[list[Event], list[Event]]:
    """The events of what the listing shows of ``kind``, and, if it showed it whole, the
    deletions of what the graph holds of it (``stored``) that the listing no longer shows
    and that no event newer than the listing wrote."""
    listed_upsert = listed(listing.started_at, Action.UPSERT)
    listed_gone = listed(listing.started_at, Action.DELETE)
    events: list[Event] = []
    shown = set(kind.unwritten)
    for key, make in kind.shown:
        shown.add(key)
        try:
            event = make()
        except Rejected as refusal:
            # Neither written nor removed: what the graph holds of it stays.
            LOG.warning("reconcile: the listing's %s %s is refused: %s", kind.name, key, refusal)
            summary.refused[kind.name] += 1
            continue
        summary.count(kind.name, stored.get(key), listed_upsert)
        events.append(event)
    removals: list[Event] = []
    if listing.complete_for(kind.name):
        for key, stamp in sorted(stored.items()):
            if key not in shown and older(stamp, listed_gone):
                removals.append(kind.gone(key))
                summary.removed[kind.name] += 1
    return events, removals


def bring_back(
    writer: GraphWriter,
    limit: datetime,
    listed_at: datetime,
    stored_nodes: dict[str, Stamp | None],
    stored_instances: dict[str, Stamp | None],
) -> dict[str, int]:
    """Bring every time the graph holds beyond ``limit`` back to just before ``listed_at``:
    the compute nodes' and instances' (of ``stored_*``, which are updated) and the
    tombstones'. Only the time changes (``<clock>_us``): one microsecond before the listing,
    it is older than the listing's stamp whatever its rank and id. Returns how many compute
    nodes and instances held one."""
    limit_us, before_us = to_us(limit), to_us(listed_at - MICROSECOND)
    assert limit_us is not None and before_us is not None

    def ahead(stored: dict[str, Stamp | None]) -> list[str]:
        return sorted(key for key, stamp in stored.items() if stamp and stamp.us > limit_us)

    brought: dict[str, list[str]] = {}
    nodes, instances = ahead(stored_nodes), ahead(stored_instances)
    if nodes or instances:
        brought = writer.gateway.write(_bring_back, nodes, instances, limit_us, before_us)
    for stored, kind in ((stored_nodes, COMPUTE_NODES), (stored_instances, INSTANCES)):
        for key in brought.get(kind, ()):
            stamp = stored[key]
            stored[key] = None if stamp is None else stamp._replace(us=before_us)
    for name in ("reconcile/bring_back_compute_node_tombstones",
                 "reconcile/bring_back_instance_tombstones"):
        writer.gateway.execute(name, limit_us=limit_us, to_us=before_us)
    counts = {kind: len(keys) for kind, keys in brought.items() if keys}
    if counts:
        LOG.warning(
            "reconcile: %s held times ahead of this host's clock by more than max_clock_skew, "
            "stamped by a publisher whose clock was wrong: brought back before the listing",
            ", ".join(f"{count} {kind}" for kind, count in counts.items()),
        )
    return counts


def _bring_back(
    tx: neo4j.ManagedTransaction,
    nodes: list[str],
    instances: list[str],
    limit_us: int,
    to_us: int,
) -> dict[str, list[str]]:
    """The clocks beyond ``limit_us`` become ``to_us``, under the batches' own locks, taken
    as batches take them. An element deleted since it was listed is then found gone: the
    lock made a placeholder of it (an instance without event time, an empty compute node
    stub), which goes again."""
    brought: dict[str, list[str]] = {COMPUTE_NODES: [], INSTANCES: []}
    if nodes:
        run(tx, "batch/compute_node/lock", keys=nodes).consume()
    if instances:
        run(tx, "batch/instance/lock", keys=instances).consume()
    if nodes:
        brought[COMPUTE_NODES] = [
            record["hostname"]
            for record in run(tx, "batch/compute_node/read", keys=nodes)
            if _us(record["service_event_time"]) > limit_us
        ]
        if brought[COMPUTE_NODES]:
            run(tx, "reconcile/bring_back_compute_nodes", keys=brought[COMPUTE_NODES],
                to_us=to_us).consume()
        stubs = [
            record["hostname"]
            for record in run(tx, "batch/compute_node/empty_stubs", keys=nodes)
        ]
        if stubs:
            run(tx, "batch/compute_node/remove", keys=stubs).consume()
    if instances:
        clocks, placeholders = [], []
        for record in run(tx, "batch/instance/read", keys=instances):
            if Stamp.stored(record["event_time"]) is None:
                placeholders.append(record["uuid"])
            elif _us(record["event_time"]) > limit_us:
                clocks.append({"uuid": record["uuid"], **{
                    f"{name}_us": to_us if _us(record[name]) > limit_us else _us(record[name], None)
                    for name in BROUGHT_BACK
                }})
        brought[INSTANCES] = [row["uuid"] for row in clocks]
        if clocks:
            run(tx, "reconcile/bring_back_instances", rows=clocks).consume()
        hosted = [row for row in clocks if row["since_us"] is not None]
        if hosted:
            run(tx, "reconcile/bring_back_hosts", rows=hosted).consume()
        if placeholders:
            run(tx, "batch/instance/remove", keys=placeholders, rows=[]).consume()
    return brought


def _us(columns: Sequence[Any] | None, default: int | None = 0) -> Any:
    """The time of a stamp as a guard's read returns it (``[<clock>_us, _rank, _id]``)."""
    stamp = Stamp.stored(columns)
    return default if stamp is None else stamp.us


def _write_capacity(tx: neo4j.ManagedTransaction, capacity: Sequence[dict[str, Any]]) -> None:
    """Capacity of described compute nodes only (one deleted since the listing began keeps
    none), and only newer than the listing it holds capacity from."""
    keys = sorted({row["hostname"] for row in capacity})
    run(tx, "reconcile/lock_capacity", keys=keys).consume()
    held = {
        row["hostname"]: (row["described"], Stamp.stored(row["capacity_time"]))
        for row in run(tx, "reconcile/read_capacity", keys=keys)
    }
    newer = [
        row
        for row in capacity
        if row["hostname"] in held
        and held[row["hostname"]][0] is True
        and older(held[row["hostname"]][1], _capacity_stamp(row))
    ]
    if newer:
        run(tx, "reconcile/upsert_capacity", rows=newer).consume()


def _capacity_stamp(row: Mapping[str, Any]) -> Stamp:
    return Stamp(row["time_us"], row["time_rank"], row["time_id"])


def connect(cloud: str | None) -> Connection:
    """An openstacksdk connection, configured as the ``openstack`` client would be: the
    cloud of clouds.yaml named ``cloud`` (or by OS_CLOUD), else the OS_* variables."""
    return openstack.connect(cloud=cloud, app_name="cdm-graph", app_version=__version__)


def reconcile(
    cloud: str | None,
    writer: GraphWriter,
    page_size: int = 1000,
    batch_size: int = RECONCILE_BATCH_SIZE,
    progress: Progress = no_progress,
    guard: Guard | None = None,
    writers: int = RECONCILE_WRITERS,
) -> Summary:
    """List the cloud and apply the listing, ``writers`` batches at once; a cloud that cannot
    even be configured (no such cloud in clouds.yaml) makes an incomplete summary, like a
    failed listing."""
    try:
        connection = connect(cloud)
    except CLOUD_ERRORS as error:
        LOG.error("cannot connect to the cloud: %s", error)
        return Summary.failed(str(error))
    try:
        with progress("writing", None) as advance:
            return _list_and_write(connection, writer, page_size, batch_size, progress,
                                   advance, guard, writers)  # fmt: skip
    finally:
        connection.close()


def _list_and_write(
    connection: Connection,
    writer: GraphWriter,
    page_size: int,
    batch_size: int,
    progress: Progress,
    advance: Callable[[int], object],
    guard: Guard | None,
    writers: int,
) -> Summary:
    """List the cloud and write the listing as it grows: the compute nodes, then each page
    of servers, are written in a thread of their own while the next page is listed, so that
    a reconcile takes about its listing's time rather than the sum of both. The rest (the
    aggregates, flavors, server groups, removals) once the listing ended, as
    ``apply_listing`` writes it. A write that fails stops the writing; the listing still
    ends, and then the failure is raised."""
    started_at = datetime.now(UTC).replace(tzinfo=None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reconcile-writer") as thread:
        # Made in the writer's thread: reading the graph's stamps overlaps the listing too.
        writing = thread.submit(
            _ListingWriter, writer, started_at, batch_size, advance, guard, writers
        )
        writes: list[Future[None]] = []

        def grown(listing: Listing) -> None:
            started: list[Future[Any]] = [writing, *writes]
            if any(write.done() and write.exception() for write in started):
                return  # the writing failed: raised once the listing ends
            # At most one write waiting behind the one running: it takes all that is new
            # when it starts, so none is needed beyond it.
            if sum(not write.done() for write in writes[-2:]) < 2:
                writes.append(thread.submit(_write_grown, writing, listing))

        listing = list_cloud(
            connection, page_size=page_size, progress=progress, now=lambda: started_at,
            grown=grown,
        )  # fmt: skip
        for write in writes:
            write.result()
        return writing.result().finish(listing)


def _write_grown(writing: Future[_ListingWriter], listing: Listing) -> None:
    # In the writer's thread, after the writer was made (or failed: raised again here).
    writing.result().write_grown(listing)


@contextmanager
def terminal_progress(description: str, total: int | None) -> Iterator[Callable[[int], object]]:
    """A tqdm bar on stderr; use only where stderr is a terminal."""
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit="", file=sys.stderr, leave=False) as bar:
        yield bar.update


def progress_for(stream: Any) -> Progress:
    return terminal_progress if stream.isatty() else no_progress


def periodic_duty(conf: cfg.ConfigOpts, writer: GraphWriter) -> Duty | None:
    """The periodic reconcile of ``cdm-graph sync``, if ``[reconcile] interval`` asks for one:
    at start, then every interval. An incomplete one is a failure of the duty."""
    interval = conf.reconcile.interval
    if interval <= 0:
        return None

    def reconcile_once() -> Summary:
        summary = reconcile(
            conf.reconcile.cloud,
            writer,
            page_size=conf.reconcile.page_size,
            batch_size=conf.reconcile.batch_size,
            guard=Guard.configured(conf),
            writers=conf.reconcile.writers,
        )
        if not summary.complete:
            raise DutyFailed(f"reconcile incomplete: {summary.text().replace(chr(10), '; ')}")
        LOG.info("reconcile done: %s", summary.text().replace("\n", "; "))
        return summary

    LOG.info("reconciling with the cloud every %d s", interval)
    return Duty("reconcile", float(interval), reconcile_once)
