"""Watcher's own Nova collector is the oracle: on the same emulated cloud, the graph's
Watcher model (after `cdm-graph reconcile`) equals the model Watcher's collector builds
through its own clients; and after a stream of Nova's notifications, replayed into Watcher's
own handler and into the graph, the two agree wherever Watcher is right. Where Watcher is
wrong, the case is named and the graph matches the emulator's truth, collected again by
Watcher's collector (tests/watcher_cloud.py describes the cloud)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from cdm_graph.read.client import GraphClient
from cdm_graph.transport.envelope import Envelope
from tests import watcher_cloud
from tests.nova import notification
from tests.openstack_emulator import OpenStackEmulator
from tests.watcher_cloud import (  # noqa: F401 - fixtures
    BY_NAME,
    CREATED,
    View,
    collected,
    emulated_cloud,
    instance_event,
    watcher_conf,
)

notification_handler = pytest.importorskip("watcher.decision_engine.model.notification.nova")

pytestmark = pytest.mark.functional

# Named case: a compute node Placement has no inventory for. Watcher's collector reads
# hypervisors at microversion 2.88, which no longer show their capacity, so it cannot build
# the node and leaves it out, with its instances; reconcile reads the hypervisor's own
# figures (2.53), as Watcher's own fallback means to.
NO_INVENTORY = {"w-5"}


@pytest.fixture
def reconciled(emulated_cloud, writer, watcher_conf, graph):  # noqa: F811 - the fixtures
    watcher_cloud.reconcile(writer)
    return GraphClient(graph)


def test_after_reconcile_the_graph_model_equals_watchers_collector(reconciled):
    watchers = View.of(collected().cluster_data_model)
    graphs = View.of(reconciled.watcher_model())
    assert graphs.without(NO_INVENTORY) == watchers
    assert sorted(graphs.nodes) == ["w-1", "w-2", "w-3", "w-4", "w-5"]
    assert sorted(graphs.hosts) == ["s-a", "s-b", "s-c", "s-d", "s-e"]  # s-f has no host


def test_a_node_without_placement_inventory_is_left_out_by_watcher_only(reconciled):
    assert "w-5" not in View.of(collected().cluster_data_model).nodes
    capacity = View.of(reconciled.watcher_model()).nodes["w-5"][4:]
    assert capacity == (16, 0, 1.0, 32768, 0, 1.0, 500, 0, 1.0)


# ------------------------------------------------------------------ a notification stream


@dataclass(frozen=True)
class Step:
    """What Nova says (``event``) and what it did (``change``, on the emulated cloud)."""

    event: Envelope
    change: Callable[[OpenStackEmulator], object]


def moved(name: str, host: str | None) -> Callable[[OpenStackEmulator], object]:
    def change(cloud: OpenStackEmulator) -> None:
        server = next(s for s in cloud.servers if s.uuid == BY_NAME[name].uuid)
        server.host = host
        server.node = None if host is None else cloud.computes[host].hypervisor_hostname
        if host is None:
            server.vm_state = "shelved_offloaded"

    return change


def state(name: str, vm_state: str) -> Callable[[OpenStackEmulator], object]:
    def change(cloud: OpenStackEmulator) -> None:
        next(s for s in cloud.servers if s.uuid == BY_NAME[name].uuid).vm_state = vm_state

    return change


def disabled(host: str) -> Callable[[OpenStackEmulator], object]:
    def change(cloud: OpenStackEmulator) -> None:
        cloud.computes[host].status = "disabled"
        cloud.computes[host].disabled_reason = "maintenance"

    return change


def created(cloud: OpenStackEmulator) -> None:
    cloud.add_server(CREATED.uuid, CREATED.host, name=CREATED.name, flavor=CREATED.flavor)


def nothing(cloud: OpenStackEmulator) -> None:
    """The change came with an earlier step."""


# Watcher is right: in order, each event says what happened.
IN_ORDER = [
    Step(instance_event("instance.create.end", 20, CREATED, "w-1"), created),
    Step(instance_event("instance.power_off.end", 21, BY_NAME["s-c"], "w-2", "stopped"),
         state("s-c", "stopped")),
    Step(notification("service.update", 22, host="w-4", disabled=True,
                      disabled_reason="maintenance"), disabled("w-4")),
    Step(instance_event("instance.live_migration_post_dest.end", 23, BY_NAME["s-d"], "w-2"),
         moved("s-d", "w-2")),
    Step(instance_event("instance.delete.end", 24, BY_NAME["s-e"], "w-4"),
         lambda cloud: cloud.remove_server(BY_NAME["s-e"].uuid)),
]
# Named case: shelve_offload. Watcher's handler has no entry for
# instance.shelve_offload.end: s-b stays on w-1, shelved, though it has no host any more.
SHELVE_OFFLOAD = [
    Step(instance_event("instance.shelve.end", 25, BY_NAME["s-b"], "w-1", "shelved"),
         state("s-b", "shelved")),
    Step(instance_event("instance.shelve_offload.end", 26, BY_NAME["s-b"], None,
                        "shelved_offloaded"), moved("s-b", None)),
]
# Named case: a reordered stream. s-a live-migrates to w-2; the instance.update Nova sent
# before the migration's end arrives after it. Watcher applies messages in arrival order and
# puts s-a back on w-1; the graph keeps Nova's order, by the events' times.
REORDERED = [
    Step(instance_event("instance.live_migration_post_dest.end", 28, BY_NAME["s-a"], "w-2"),
         moved("s-a", "w-2")),
    Step(instance_event("instance.update", 27, BY_NAME["s-a"], "w-1"), nothing),
]


def replay(steps: list[Step], cloud: OpenStackEmulator, apply, handler) -> None:
    """Each event into the graph and into Watcher's handler, in the list's order (arrival),
    and each change into the emulated cloud."""
    for step in steps:
        outcome = apply(step.event)
        assert not outcome.rejected, outcome.rejected
        handler.process_info({}, step.event.publisher_id, step.event.event_type,
                             copy.deepcopy(step.event.payload), {})
        step.change(cloud)


@pytest.fixture
def after_the_stream(reconciled, emulated_cloud, apply):  # noqa: F811 - the fixture
    """The graph's model, Watcher's (its collector's at the listing, then its handler's), and
    the truth (Watcher's collector run again on the changed cloud), after every step."""
    collector = collected()
    handler = notification_handler.VersionedNotification(collector)
    replay(IN_ORDER + SHELVE_OFFLOAD + REORDERED, emulated_cloud, apply, handler)
    watchers = View.of(collector.cluster_data_model)
    truth = View.of(collected().cluster_data_model)
    return View.of(reconciled.watcher_model()), watchers, truth


def test_after_the_stream_the_graph_matches_the_truth(after_the_stream):
    graphs, _, truth = after_the_stream
    assert graphs.without(NO_INVENTORY) == truth
    assert graphs.hosts["s-g"] == "w-1" and graphs.hosts["s-d"] == "w-2"
    assert graphs.nodes["w-4"][2:4] == ("disabled", "maintenance")
    assert graphs.instances["s-c"][1] == "stopped"
    assert "s-e" not in graphs.instances


def test_after_the_stream_watcher_agrees_with_the_graph_but_for_the_named_cases(
    after_the_stream,
):
    graphs, watchers, _ = after_the_stream
    named = {"s-a", "s-b"}
    assert watchers.without(names=named) == graphs.without(NO_INVENTORY, names=named)


def test_watcher_keeps_an_offloaded_instance_on_its_old_host(after_the_stream):
    graphs, watchers, truth = after_the_stream
    assert (watchers.hosts["s-b"], watchers.instances["s-b"][1]) == ("w-1", "shelved")
    assert "s-b" not in truth.instances and "s-b" not in graphs.instances


def test_watcher_applies_a_late_older_update_over_a_migration(after_the_stream):
    graphs, watchers, truth = after_the_stream
    assert watchers.hosts["s-a"] == "w-1"
    assert graphs.hosts["s-a"] == truth.hosts["s-a"] == "w-2"
