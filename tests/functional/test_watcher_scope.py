"""Watcher's compute audit scope resolved on the graph, in Cypher, gives the nodes and
instances Watcher's own scope handler gives on the same cloud, where Watcher asks the
emulator's Nova for its aggregates (/os-aggregates) and its services' zones (/os-services).
The graph knows the aggregates and zones from Nova's aggregate notifications
(tests/watcher_cloud.py describes the cloud)."""

from __future__ import annotations

import pytest

from cdm_graph.gateway import NO_WAIT, Gateway
from cdm_graph.watcher import model
from tests import watcher_cloud
from tests.watcher_cloud import (  # noqa: F401 - fixtures
    BY_NAME,
    PROJECT_2,
    View,
    collected,
    emulated_cloud,
    watcher_conf,
)

pytestmark = pytest.mark.functional

# Watcher's collector cannot build w-5 (no Placement inventory: see test_watcher_oracle).
NO_INVENTORY = {"w-5"}


def compute(*rules: dict) -> list[dict]:
    return [{"compute": list(rules)}]


def exclude(**resources: list[dict]) -> dict:
    return {"exclude": [{kind: entries} for kind, entries in resources.items()]}


SCOPES = {
    "no scope": [],
    "a zone": compute({"availability_zones": [{"name": "az-1"}]}),
    "every zone": compute({"availability_zones": [{"name": "*"}]}),
    "the default zone": compute({"availability_zones": [{"name": "nova"}]}),
    "a zone that does not exist": compute({"availability_zones": [{"name": "az-9"}]}),
    "an aggregate by name": compute({"host_aggregates": [{"name": "gpu"}]}),
    "an aggregate by id": compute({"host_aggregates": [{"id": 2}]}),
    "every aggregate": compute({"host_aggregates": [{"id": "*"}]}),
    "a zone and an aggregate": compute({"availability_zones": [{"name": "az-2"}]},
                                       {"host_aggregates": [{"name": "gpu"}]}),
    "excluded nodes": compute(exclude(compute_nodes=[{"name": "w-2"}, {"name": "w-3"}])),
    "an excluded aggregate": compute({"availability_zones": [{"name": "*"}]},
                                     exclude(host_aggregates=[{"name": "gpu"}])),
    "excluded instances and projects": compute(exclude(
        instances=[{"uuid": BY_NAME["s-c"].uuid}], projects=[{"uuid": PROJECT_2}])),
    "a zone less an instance": compute({"availability_zones": [{"name": "az-2"}]},
                                       exclude(instances=[{"uuid": BY_NAME["s-d"].uuid}])),
}


@pytest.fixture
def clouds(emulated_cloud, writer, apply, watcher_conf, graph):  # noqa: F811 - fixtures
    """The graph after reconcile and the aggregates' notifications, Watcher's collector with
    its model of the same cloud, and the emulator serving it."""
    watcher_cloud.reconcile(writer)
    outcome = apply(*watcher_cloud.aggregate_events(5))
    assert not outcome.rejected, outcome.rejected
    return Gateway(graph, "neo4j", NO_WAIT), collected(), emulated_cloud


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_the_graph_scopes_as_watchers_scope_handler_does(clouds, scope):
    gateway, collector, nova = clouds
    nova.requests.clear()
    graphs = View.of(model.compute_model(gateway, scope))
    assert nova.requests == []
    handler = collector.get_audit_scope_handler(audit_scope=scope)
    watchers = View.of(handler.get_scoped_model(collector.get_latest_cluster_data_model()))
    assert graphs.without(NO_INVENTORY) == watchers


def test_watchers_handler_asks_nova_for_zones_and_aggregates(clouds):
    _, collector, nova = clouds
    nova.requests.clear()
    scope = compute({"availability_zones": [{"name": "az-1"}]},
                    {"host_aggregates": [{"name": "gpu"}]})
    collector.get_audit_scope_handler(audit_scope=scope).get_scoped_model(
        collector.get_latest_cluster_data_model()
    )
    asked = {request.path.rsplit("/", 1)[-1] for request in nova.requests}
    assert {"os-services", "os-aggregates"} <= asked


def test_a_scope_by_zone_holds_the_zones_nodes_and_their_instances(clouds):
    gateway, _, _ = clouds
    scoped = View.of(model.compute_model(gateway, SCOPES["a zone"]))
    assert sorted(scoped.nodes) == ["w-1", "w-2"]
    assert scoped.hosts == {"s-a": "w-1", "s-b": "w-1", "s-c": "w-2"}


def test_an_excluded_instance_stays_in_the_model_marked_excluded(clouds):
    gateway, _, _ = clouds
    scoped = View.of(model.compute_model(gateway, SCOPES["excluded instances and projects"]))
    excluded = {name for name, fields in scoped.instances.items() if fields[-1]}
    assert excluded == {"s-b", "s-c"}  # s-b by its project
