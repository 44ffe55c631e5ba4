"""Reconcile against a Nova + Placement emulator over HTTP, on the real Neo4j.

A listing begins at T (``at(10)`` here); notifications are placed before or after it on the
same clock. ``reconcile_at`` lists and applies at once; a test that needs a notification to
arrive while the listing runs lists first, applies the notification, then the listing.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from oslo_config import cfg

from cdm_graph import config
from cdm_graph.apply.pipeline import Guard, process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.families.base import Event
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.plan.clock import Precedence, Stamp
from cdm_graph.reconcile import (
    COMPUTE_NODES,
    INSTANCES,
    Summary,
    apply_listing,
    bring_back,
    periodic_duty,
    reconcile,
)
from cdm_graph.reconcile.listing import Listing, list_cloud
from cdm_graph.sync.duties import Scheduler
from tests.graphs import hosts_of, read_graph
from tests.nova import at, notification
from tests.openstack_emulator import inventory

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"  # the instance of Nova's samples
OTHER = "5a0a3b5e-2b8c-4e0b-9d44-3f7c1a2b9e01"
T = 10


def listed_at(connection: Any, seconds: float) -> Listing:
    return list_cloud(connection, page_size=1000, now=lambda: at(seconds))


def reconcile_at(connection: Any, writer: GraphWriter, seconds: float = T) -> Summary:
    return apply_listing(writer, listed_at(connection, seconds))


def capacity_of(node: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        node.get(name)
        for name in ("vcpus", "vcpu_reserved", "vcpu_ratio", "memory_mb", "memory_mb_reserved",
                     "memory_ratio", "disk_gb", "disk_gb_reserved", "disk_ratio")
    )


PLACEMENT = {
    "VCPU": inventory(64, reserved=4, allocation_ratio=4.0),
    "MEMORY_MB": inventory(262144, reserved=4096, allocation_ratio=1.5),
    "DISK_GB": inventory(2000, reserved=100, allocation_ratio=1.0),
}


def test_capacity_is_filled_in_from_placement(cloud, connection, writer, graph):
    compute = cloud.add_compute("h1", inventories=PLACEMENT)
    reconcile_at(connection, writer)
    node = read_graph(graph)["ComputeNode"]["h1"]
    assert capacity_of(node) == (64, 4, 4.0, 262144, 4096, 1.5, 2000, 100, 1.0)
    assert (node["uuid"], node["hypervisor_hostname"]) == (
        compute.hypervisor_uuid,
        "h1.example.org",
    )


def test_a_reconcile_leaves_the_garbage_collector_as_it_found_it(
    cloud, connection, writer, graph, collector_enabled
):
    cloud.add_compute("h1", inventories=PLACEMENT)
    reconcile_at(connection, writer)
    assert gc.isenabled() is collector_enabled
    assert "h1" in read_graph(graph)["ComputeNode"]


def test_the_hypervisor_stands_in_where_placement_has_no_inventory(
    cloud, connection, writer, graph
):
    cloud.add_compute("h1", vcpus=24, memory_mb=131072, local_gb=900, inventories=None)
    reconcile_at(connection, writer)
    node = read_graph(graph)["ComputeNode"]["h1"]
    assert capacity_of(node) == (24, 0, 1.0, 131072, 0, 1.0, 900, 0, 1.0)


def test_the_service_describes_the_compute_node(cloud, connection, writer, graph):
    compute = cloud.add_compute(
        "h1", status="disabled", disabled_reason="maintenance", forced_down=True, state="down"
    )
    reconcile_at(connection, writer)
    node = read_graph(graph)["ComputeNode"]["h1"]
    assert node["described"] is True
    assert (node["status"], node["state"], node["disabled_reason"], node["forced_down"]) == (
        "disabled",
        "down",
        "maintenance",
        True,
    )
    assert node["service_uuid"] == compute.service_uuid
    assert node["last_event"] == "reconcile"


def test_a_missed_create_is_repaired(cloud, connection, writer, graph):
    cloud.add_compute("h1", inventories=PLACEMENT)
    cloud.add_server(UUID, "h1", name="web-1", metadata={"tier": "gold"}, key_name="ops")
    reconcile_at(connection, writer)
    after = read_graph(graph)
    instance = after["Instance"][UUID]
    assert hosts_of(after, UUID) == ["h1"]
    assert (instance["name"], instance["state"], instance["power_state"]) == (
        "web-1",
        "active",
        "running",
    )
    assert (instance["vcpus"], instance["memory_mb"], instance["disk_gb"]) == (1, 2048, 20)
    assert instance["metadata"] == ["tier=gold"]
    assert instance["extra_specs"] == ["hw:cpu_policy=shared"]
    assert (instance["host"], instance["node"]) == ("h1", "h1.example.org")


def test_a_missed_delete_is_repaired(cloud, connection, writer, graph, apply):
    cloud.add_compute("h1")
    apply(notification("instance.create.end", 1, host="h1"))
    reconcile_at(connection, writer)
    after = read_graph(graph)
    assert UUID not in after["Instance"]
    assert after["InstanceTombstone"][UUID]["deleted_at"].to_native() == at(T)


def test_a_missed_migration_is_repaired(cloud, connection, writer, graph, apply):
    cloud.add_compute("src")
    cloud.add_compute("dst")
    apply(notification("instance.create.end", 1, host="src", node="src"))
    cloud.add_server(UUID, "dst")
    reconcile_at(connection, writer)
    after = read_graph(graph)
    assert hosts_of(after, UUID) == ["dst"]
    assert after["Instance"][UUID]["host"] == "dst"


def test_a_missed_service_delete_removes_the_compute_node(cloud, connection, writer, graph, apply):
    cloud.add_compute("h1")
    apply(notification("service.create", 1, host="gone"))
    reconcile_at(connection, writer)
    after = read_graph(graph)
    assert sorted(after["ComputeNode"]) == ["h1"]
    assert "gone" in after["ComputeNodeTombstone"]


def test_nothing_is_removed_after_a_failed_listing(cloud, connection, writer, graph, apply):
    cloud.max_limit = 2
    cloud.add_compute("h1")
    for number in range(5):
        cloud.add_server(f"00000000-0000-0000-0000-00000000000{number}", "h1")
    apply(notification("service.create", 1, host="gone"))
    apply(notification("instance.create.end", 1, host="h1"))
    cloud.fail("/servers/detail", on_request=2)
    summary = reconcile_at(connection, writer)
    after = read_graph(graph)
    assert not summary.complete
    assert UUID in after["Instance"]
    assert "gone" in after["ComputeNode"]
    assert after["InstanceTombstone"] == after["ComputeNodeTombstone"] == {}


def test_servers_listed_before_a_failure_are_still_written(cloud, connection, writer, graph):
    cloud.max_limit = 2
    cloud.add_compute("h1")
    for number in range(5):
        cloud.add_server(f"00000000-0000-0000-0000-00000000000{number}", "h1")
    cloud.fail("/servers/detail", on_request=2)
    reconcile_at(connection, writer)
    assert sorted(read_graph(graph)["Instance"]) == [
        "00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000001",
    ]


def test_every_page_of_servers_is_read(cloud, connection, writer, graph):
    cloud.max_limit = 2
    cloud.add_compute("h1")
    uuids = [f"00000000-0000-0000-0000-00000000000{number}" for number in range(5)]
    for uuid in uuids:
        cloud.add_server(uuid, "h1")
    reconcile_at(connection, writer)
    assert sorted(read_graph(graph)["Instance"]) == uuids
    # Nova shows a next link only under a full page: the short last page ends the listing.
    markers = [r.query.get("marker") for r in cloud.requests_to("/servers/detail")]
    assert markers == [None, [uuids[1]], [uuids[3]]]


def test_servers_of_every_project_are_read(cloud, connection, writer, graph):
    cloud.add_compute("h1")
    cloud.add_server(UUID, "h1", project_id="another-project")
    reconcile_at(connection, writer)
    assert read_graph(graph)["Instance"][UUID]["project_id"] == "another-project"


def test_the_apis_are_read_at_the_microversions_the_mapping_expects(cloud, connection, writer):
    cloud.add_compute("h1")
    reconcile_at(connection, writer)
    versions = {
        path: {r.microversion for r in cloud.requests_to(path)}
        for path in ("/os-services", "/os-hypervisors/detail", "/servers/detail")
    }
    assert versions == {
        "/os-services": {"2.53"},
        "/os-hypervisors/detail": {"2.53"},
        "/servers/detail": {"2.73"},
    }


def test_a_notification_newer_than_the_listing_is_kept(cloud, connection, writer, graph, apply):
    cloud.add_compute("src")
    cloud.add_compute("dst")
    cloud.add_server(UUID, "src", vm_state="active")
    apply(notification("instance.create.end", 1, host="src", node="src"))
    listing = listed_at(connection, T)
    apply(notification("instance.live_migration_post_dest.end", T + 1, host="dst", node="dst"))
    apply(notification("service.update", T + 1, host="src", disabled=True))
    apply_listing(writer, listing)
    after = read_graph(graph)
    assert hosts_of(after, UUID) == ["dst"]
    assert after["Instance"][UUID]["last_event"] == "instance.live_migration_post_dest.end"
    assert after["ComputeNode"]["src"]["status"] == "disabled"


def test_an_instance_created_after_the_listing_began_survives(
    cloud, connection, writer, graph, apply
):
    cloud.add_compute("h1")
    listing = listed_at(connection, T)
    apply(notification("instance.create.end", T + 1, host="h1"))
    summary = apply_listing(writer, listing)
    assert UUID in read_graph(graph)["Instance"]
    assert summary.removed[INSTANCES] == 0


def test_a_deletion_newer_than_the_listing_is_kept(cloud, connection, writer, graph, apply):
    cloud.add_compute("h1")
    cloud.add_server(UUID, "h1")
    listing = listed_at(connection, T)
    apply(notification("instance.delete.end", T + 1))
    apply_listing(writer, listing)
    assert UUID not in read_graph(graph)["Instance"]


# ---------------------------------------------------------------- listing and writing at once
# ``reconcile`` writes the compute nodes and each page of servers while it lists the next.


def _instances_in(graph: Any) -> set[str]:
    return set(read_graph(graph).get("Instance", {}))


def test_a_reconcile_writes_the_servers_listed_so_far_while_it_lists_the_next_page(
    cloud, writer, graph
):
    cloud.max_limit = 2
    cloud.add_compute("h1")
    uuids = [f"00000000-0000-0000-0000-00000000000{number}" for number in range(6)]
    for uuid in uuids:
        cloud.add_server(uuid, "h1")
    seen_before_the_last_page: set[str] = set()

    def wait_for_the_first_pages() -> None:
        # Holds the last page back until the first two are in the graph (or 30 s pass).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen_before_the_last_page.update(_instances_in(graph))
            if set(uuids[:4]) <= seen_before_the_last_page:
                return
            time.sleep(0.05)

    cloud.change_before("/servers/detail", on_request=3, change=wait_for_the_first_pages)
    summary = reconcile(None, writer, page_size=2)
    assert set(uuids[:4]) <= seen_before_the_last_page
    assert _instances_in(graph) == set(uuids)
    assert summary.created[INSTANCES] == 6 and summary.complete


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_reconcile_lets_the_collector_run_between_its_writes_while_it_lists(
    cloud, writer, graph, collector_on
):
    # A sync consuming during a long listing makes garbage all along: the collector is
    # paused for one write at a time, never for the whole listing.
    cloud.max_limit = 2
    cloud.add_compute("h1")
    uuids = [f"00000000-0000-0000-0000-00000000000{number}" for number in range(6)]
    for uuid in uuids:
        cloud.add_server(uuid, "h1")
    enabled_while_listing: list[bool] = []

    def once_the_first_pages_are_written() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if set(uuids[:4]) <= _instances_in(graph) and gc.isenabled():
                break
            time.sleep(0.05)
        enabled_while_listing.append(gc.isenabled())

    cloud.change_before("/servers/detail", on_request=3, change=once_the_first_pages_are_written)
    reconcile(None, writer, page_size=2)
    assert enabled_while_listing == [True]
    assert gc.isenabled()


def test_an_instance_a_late_notification_wrote_while_the_listing_ran_is_removed_if_unlisted(
    cloud, writer, graph, apply
):
    # Its creation, older than the listing, arrives once the servers are written; Nova
    # deleted it before the listing began (that notification was lost): the listing's
    # removals go by the graph as the listing ended.
    cloud.add_compute("h1")
    cloud.add_server(UUID, "h1")

    def create_the_unlisted_one() -> None:
        apply(notification("instance.create.end", T, uuid=OTHER, host="h1"))

    cloud.change_before("/flavors/detail", on_request=1, change=create_the_unlisted_one)
    summary = reconcile(None, writer, page_size=1000)
    assert _instances_in(graph) == {UUID}
    assert summary.removed[INSTANCES] == 1


def test_a_write_that_fails_while_listing_stops_the_writing_and_is_raised_once_listed(
    cloud, graph, schema_applied
):
    cloud.max_limit = 2
    cloud.add_compute("h1")
    for number in range(6):
        cloud.add_server(f"00000000-0000-0000-0000-00000000000{number}", "h1")
    instance_batches: list[int] = []

    class FailingOnTheFirstInstances(GraphWriter):
        def apply_batch(self, events: Sequence[Event]) -> None:
            if any(isinstance(event, InstanceEvent) for event in events):
                instance_batches.append(len(events))
                raise RuntimeError("the graph refused the batch")
            super().apply_batch(events)

    with pytest.raises(RuntimeError, match="refused the batch"):
        reconcile(None, FailingOnTheFirstInstances(graph), page_size=2)
    assert len(instance_batches) == 1
    # The listing went on to its end (flavors are listed last), removing nothing.
    assert cloud.requests_to("/flavors/detail")
    assert _instances_in(graph) == set()


def _servers_on_hosts(cloud: Any, hosts: int, per_host: int) -> dict[str, str]:
    """uuid -> host of the servers added, listed with their hosts interleaved."""
    placed = {}
    for host in range(hosts):
        cloud.add_compute(f"h{host}")
    for number in range(per_host):
        for host in range(hosts):
            uuid = f"00000000-0000-4000-8000-{number * hosts + host:012d}"
            cloud.add_server(uuid, f"h{host}")
            placed[uuid] = f"h{host}"
    return placed


def test_a_listing_written_by_several_writers_at_once_is_written_whole(
    cloud, connection, writer, graph, apply
):
    placed = _servers_on_hosts(cloud, hosts=5, per_host=3)
    moved = next(uuid for uuid, host in placed.items() if host == "h3")
    apply(notification("service.create", 1, host="gone"))
    apply(notification("instance.create.end", 1, host="h0", uuid=moved))
    apply(notification("instance.create.end", 1, host="h1"))  # UUID, not listed
    summary = apply_listing(writer, listed_at(connection, T), batch_size=2, writers=3)
    after = read_graph(graph)
    assert {uuid: hosts_of(after, uuid) for uuid in after["Instance"]} == {
        uuid: [host] for uuid, host in placed.items()
    }
    assert set(after["ComputeNode"]) == {f"h{host}" for host in range(5)}
    assert (summary.created[INSTANCES], summary.updated[INSTANCES]) == (len(placed) - 1, 1)
    assert (summary.removed[INSTANCES], summary.removed[COMPUTE_NODES]) == (1, 1)


def test_two_batches_of_a_listing_are_written_at_once(cloud, connection, graph, schema_applied):
    _servers_on_hosts(cloud, hosts=4, per_host=2)
    # The first two batches of instances each wait here for the other: were they written one
    # after the other, the first would wait in vain, and fail.
    both_writing = threading.Barrier(2, timeout=10)
    first_two = [1, 2]
    taking = threading.Lock()

    class MeetingAtTheFirstInstances(GraphWriter):
        def apply_batch(self, events: Sequence[Event]) -> None:
            if any(isinstance(event, InstanceEvent) for event in events):
                with taking:
                    meets = bool(first_two and first_two.pop())
                if meets:
                    both_writing.wait()
            super().apply_batch(events)

    apply_listing(MeetingAtTheFirstInstances(graph), listed_at(connection, T), batch_size=2,
                  writers=2)  # fmt: skip
    assert len(_instances_in(graph)) == 8


def test_after_a_batch_fails_no_batch_starts_and_those_being_written_end(
    cloud, connection, graph, schema_applied, apply
):
    apply(notification("instance.create.end", 1, host="gone"))  # UUID, not listed
    _servers_on_hosts(cloud, hosts=4, per_host=2)  # 4 batches of instances, of 2
    started: list[int] = []
    ended: list[int] = []
    counting = threading.Lock()
    second_started, first_failed = threading.Event(), threading.Event()

    class FailingOnTheFirstInstances(GraphWriter):
        def apply_batch(self, events: Sequence[Event]) -> None:
            if not any(isinstance(event, InstanceEvent) for event in events):
                super().apply_batch(events)
                return
            with counting:
                started.append(len(started) + 1)
                number = started[-1]
            if number == 1:
                # It fails while the second is being written.
                second_started.wait(10)
                first_failed.set()
                raise RuntimeError("the graph refused the batch")
            second_started.set()
            first_failed.wait(10)
            time.sleep(0.2)
            super().apply_batch(events)
            ended.append(number)

    with pytest.raises(RuntimeError, match="refused the batch"):
        apply_listing(FailingOnTheFirstInstances(graph), listed_at(connection, T), batch_size=2,
                      writers=2)  # fmt: skip
    # The second batch was written to its end before the failure was raised; the third and
    # fourth never started.
    assert (started, ended) == ([1, 2], [2])
    # The listing's removals come after its writes: the unlisted instance is still there.
    assert UUID in _instances_in(graph)


def test_ironic_nodes_are_left_out(cloud, connection, writer, graph):
    cloud.add_compute("h1")
    cloud.add_compute("ironic-1", hypervisor_type="ironic")
    cloud.add_server(UUID, "ironic-1")
    summary = reconcile_at(connection, writer)
    after = read_graph(graph)
    assert sorted(after["ComputeNode"]) == ["h1"]
    assert after["Instance"] == {}
    assert (summary.left_out[COMPUTE_NODES], summary.left_out[INSTANCES]) == (1, 1)


def test_a_service_event_keeps_the_capacity(cloud, connection, writer, graph, apply):
    cloud.add_compute("host1", inventories=PLACEMENT)
    reconcile_at(connection, writer)
    apply(notification("service.update", T + 1, disabled=True, disabled_reason="maintenance"))
    node = read_graph(graph)["ComputeNode"]["host1"]
    assert node["status"] == "disabled"
    assert capacity_of(node) == (64, 4, 4.0, 262144, 4096, 1.5, 2000, 100, 1.0)


def test_a_reconcile_keeps_what_only_notifications_say(cloud, connection, writer, graph, apply):
    cloud.add_compute("host2")
    cloud.add_server(UUID, "host2")
    apply(notification("service.create", 1, host="host2"))
    apply(notification("instance.create.end", 1, host="host2"))
    reconcile_at(connection, writer)
    after = read_graph(graph)
    assert after["ComputeNode"]["host2"]["service_version"] == 23
    assert after["Instance"][UUID]["architecture"] == "x86_64"
    assert after["Instance"][UUID]["flavor_id"] == "a22d5517-147c-4147-a0d1-e698df5cd4e3"
    assert after["Instance"][UUID]["last_event"] == "reconcile"


def test_an_older_listing_does_not_overwrite_newer_capacity(cloud, connection, writer, graph):
    cloud.add_compute("h1", inventories={"VCPU": inventory(64)})
    older = listed_at(connection, T)
    cloud.computes["h1"].inventories = {"VCPU": inventory(96)}
    apply_listing(writer, listed_at(connection, T + 5))
    apply_listing(writer, older)
    assert read_graph(graph)["ComputeNode"]["h1"]["vcpus"] == 96


def test_a_deleted_compute_node_forgets_its_capacity(cloud, connection, writer, graph, apply):
    cloud.add_compute("host1", inventories=PLACEMENT)
    reconcile_at(connection, writer)
    apply(notification("service.delete", T + 1, host="host1"))
    apply(notification("instance.create.end", T + 2, host="host1"))
    stub = read_graph(graph)["ComputeNode"]["host1"]
    assert stub["described"] is False
    assert capacity_of(stub) == (None,) * 9
    assert "uuid" not in stub


def test_a_second_reconcile_changes_nothing(cloud, connection, writer, graph):
    cloud.add_compute("h1", inventories=PLACEMENT)
    cloud.add_server(UUID, "h1")
    reconcile_at(connection, writer, T)
    first = read_graph(graph)
    summary = reconcile_at(connection, writer, T)
    assert read_graph(graph) == first
    assert (summary.created[INSTANCES], summary.removed[INSTANCES]) == (0, 0)


def test_the_summary_counts_what_was_created_updated_kept_and_removed(
    cloud, connection, writer, apply
):
    cloud.add_compute("h1")
    cloud.add_compute("h2")
    cloud.add_server(UUID, "h1")
    cloud.add_server(OTHER, "h1")
    apply(notification("service.create", 1, host="h1"))
    apply(notification("service.create", 1, host="gone"))
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification(
        "instance.create.end", 1, host="h1", uuid="5e1f3b2a-0000-4000-8000-000000000001"
    ))
    listing = listed_at(connection, T)
    apply(notification("service.update", T + 1, host="h2"))
    summary = apply_listing(writer, listing)
    assert (summary.created, summary.updated, summary.kept, summary.removed) == (
        {INSTANCES: 1},
        {COMPUTE_NODES: 1, INSTANCES: 1},
        {COMPUTE_NODES: 1},
        {COMPUTE_NODES: 1, INSTANCES: 1},
    )
    assert summary.text().splitlines() == [
        "compute nodes: 0 created, 1 updated, 1 removed, 1 kept (newer notification), "
        "0 left out (ironic)",
        "instances: 1 created, 1 updated, 1 removed, 0 kept (newer notification), "
        "0 left out (ironic)",
        "aggregates: 0 created, 0 updated, 0 removed, 0 kept (newer notification)",
        "server groups: 0 created, 0 updated, 0 removed, 0 kept (newer notification)",
        "flavors: 0 created, 0 updated, 0 removed, 0 kept (newer notification)",
    ]


def test_the_listing_time_is_utc_now_by_default(cloud, connection):
    def utc_now() -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)

    before = utc_now()
    listing = list_cloud(connection)
    assert before <= listing.started_at <= utc_now()


def test_sync_reconciles_at_start_when_an_interval_is_set(
    cloud, graph, schema_applied, tmp_path
):
    cloud.add_compute("h1")
    cloud.add_server(UUID, "h1")
    # A file rather than set_override: oslo.config keeps overrides on the option groups,
    # which every ConfigOpts registering them shares.
    conf_file = tmp_path / "cdm-graph.conf"
    conf_file.write_text("[reconcile]\ninterval = 3600\n")
    conf = cfg.ConfigOpts()
    config.register(conf)
    conf(args=[], default_config_files=[str(conf_file)])
    stopping = threading.Event()

    class StoppingOnceInstancesAreWritten(GraphWriter):
        def apply_batch(self, events: Sequence[Event]) -> None:
            super().apply_batch(events)
            if any(isinstance(event, InstanceEvent) for event in events):
                stopping.set()

    duty = periodic_duty(conf, StoppingOnceInstancesAreWritten(graph))
    assert duty is not None
    assert Scheduler([duty], stopping).start().join(timeout=120)
    assert hosts_of(read_graph(graph), UUID) == ["h1"]


def test_times_ahead_of_the_clock_are_brought_back_and_repaired(
    cloud, connection, writer, graph, apply
):
    # Written before the synchronizer refused such events: a compute node, an instance and a
    # deletion stamped by hosts whose clocks ran decades ahead.
    cloud.add_compute("h1")
    cloud.add_compute("h2")
    cloud.add_server(UUID, "h2", name="real")
    cloud.add_server(OTHER, "h1")
    ahead = datetime(2099, 1, 1)
    unguarded = Guard(max_skew=timedelta(days=365 * 200))
    outcome = process_batch(writer, [
        notification("service.update", ahead, host="h1", disabled=True),
        notification("instance.create.end", ahead, host="h1", display_name="from-the-future"),
        notification("instance.delete.end", ahead, uuid=OTHER),
    ], unguarded)
    assert outcome.rejected == []

    summary = reconcile_at(connection, writer)
    after = read_graph(graph)
    assert summary.ahead == {COMPUTE_NODES: 1, INSTANCES: 1}
    assert "1 held a time ahead of this host's clock" in summary.text()
    instance = after["Instance"][UUID]
    assert (instance["name"], hosts_of(after, UUID)) == ("real", ["h2"])
    assert instance["event_time"].to_native() == at(T)
    assert after["ComputeNode"]["h1"]["status"] == "enabled"
    assert hosts_of(after, OTHER) == ["h1"]  # its tombstone no longer outvotes the listing
    # Notifications after the listing apply again.
    apply(notification("instance.update", T + 1, host="h2", display_name="renamed"))
    assert read_graph(graph)["Instance"][UUID]["name"] == "renamed"


def test_a_time_within_the_clock_bound_is_kept_by_a_reconcile(cloud, connection, writer, graph):
    cloud.add_compute("h1")
    cloud.add_server(UUID, "h1", name="listed")
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)
    process_batch(writer, [notification("instance.create.end", soon, host="h1",
                                        display_name="notified")])
    summary = reconcile_at(connection, writer)
    assert read_graph(graph)["Instance"][UUID]["name"] == "notified"
    assert summary.ahead == {}


def test_elements_deleted_since_they_were_listed_are_not_brought_back(writer, graph, apply):
    # What the listing read as ahead of the clock, and a batch deleted since.
    ahead = Stamp.at(datetime(2099, 1, 1), Precedence.NOTIFIED, "m-1")
    nodes: dict[str, Stamp | None] = {"gone": ahead}
    instances: dict[str, Stamp | None] = {OTHER: ahead}
    apply(notification("service.create", 1, host="h1"))
    assert bring_back(writer, at(100), at(T), nodes, instances) == {}
    assert nodes == {"gone": ahead} and instances == {OTHER: ahead}
    after = read_graph(graph)
    assert list(after["ComputeNode"]) == ["h1"] and after["Instance"] == {}
