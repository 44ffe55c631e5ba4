"""A real Watcher strategy runs unchanged on a snapshot of the graph (python-watcher installed:
the ``watcher`` extra)."""

from __future__ import annotations

import pytest

from cdm_graph.read.client import GraphClient
from tests import cloud

model_root = pytest.importorskip("watcher.decision_engine.model.model_root")
host_maintenance = pytest.importorskip(
    "watcher.decision_engine.strategy.strategies.host_maintenance"
)
watcher_utils = pytest.importorskip("watcher.common.utils")
watcher_exception = pytest.importorskip("watcher.common.exception")

pytestmark = pytest.mark.functional


@pytest.fixture
def model(apply, graph) -> model_root.ModelRoot:
    cloud.build(apply, graph)
    return GraphClient(graph).watcher_model()


def run_host_maintenance(model: model_root.ModelRoot, **parameters: str) -> list[dict]:
    strategy = host_maintenance.HostMaintenance(config=watcher_utils.Struct())
    # Where Watcher's decision engine would collect the model from Nova, it gets the graph's.
    strategy._compute_model = model
    strategy.input_parameters = watcher_utils.Struct(parameters)
    return strategy.execute().actions


def test_watcher_model_holds_every_node_of_known_capacity_and_the_instances_it_hosts(model):
    assert sorted(n.hostname for n in model.get_all_compute_nodes().values()) == [
        "compute-1", "compute-2", "compute-3", "compute-5",
    ]
    assert sorted(i.name for i in model.get_all_instances().values()) == [
        "vm-a", "vm-b", "vm-c", "vm-d", "vm-e",
    ]


def test_watcher_model_leaves_out_nodes_of_unknown_capacity_with_a_warning(
    apply, graph, caplog
):
    cloud.build(apply, graph)
    with caplog.at_level("WARNING", logger="cdm_graph.read.watcher"):
        model = GraphClient(graph).watcher_model()
    assert "capacity unknown (run `cdm-graph reconcile`): compute-4, compute-9" in caplog.text
    for hostname in ("compute-4", "compute-9"):
        with pytest.raises(watcher_exception.ComputeNodeNotFound):
            model.get_node_by_name(hostname)


def test_watcher_model_maps_instances_to_their_nodes(model):
    node = model.get_node_by_instance_uuid(cloud.BY_NAME["vm-c"].uuid)
    assert node.hostname == "compute-2"
    assert model.get_node_used_resources(node) == {"vcpu": 10, "memory": 20480, "disk": 200}


def test_watcher_model_computes_capacity_from_the_graph(model):
    node = model.get_node_by_name("compute-1")
    assert (node.vcpu_capacity, node.memory_mb_capacity, node.disk_gb_capacity) == (
        32.0, 32256.0, 500.0,
    )


def test_host_maintenance_moves_every_instance_to_the_backup_node_and_disables_the_host(model):
    actions = run_host_maintenance(model, maintenance_node="compute-2", backup_node="compute-5")
    assert actions[0]["action_type"] == "change_nova_service_state"
    assert actions[0]["input_parameters"]["resource_name"] == "compute-2"
    assert actions[0]["input_parameters"]["state"] == "disabled"
    migrations = sorted(
        (a["input_parameters"]["resource_name"], a["input_parameters"]["destination_node"],
         a["input_parameters"]["migration_type"])
        for a in actions
        if a["action_type"] == "migrate"
    )
    assert migrations == [("vm-c", "compute-5", "live"), ("vm-d", "compute-5", "live")]


def test_host_maintenance_enables_a_disabled_backup_node_first(model):
    actions = run_host_maintenance(model, maintenance_node="compute-1", backup_node="compute-3")
    service_changes = [
        (a["input_parameters"]["resource_name"], a["input_parameters"]["state"])
        for a in actions
        if a["action_type"] == "change_nova_service_state"
    ]
    assert service_changes == [("compute-3", "enabled"), ("compute-1", "disabled")]


def test_host_maintenance_cannot_name_a_node_of_unknown_capacity_as_its_backup(model):
    # compute-4 is enabled and up by its service events, but no reconcile read its capacity.
    with pytest.raises(watcher_exception.ComputeNodeNotFound):
        run_host_maintenance(model, maintenance_node="compute-2", backup_node="compute-4")


def test_host_maintenance_without_room_on_the_backup_leaves_placement_to_nova(model):
    # compute-1's instances (5 vCPUs) do not fit on compute-2, already overcommitted.
    actions = run_host_maintenance(model, maintenance_node="compute-1", backup_node="compute-2")
    migrations = [a for a in actions if a["action_type"] == "migrate"]
    assert len(migrations) == 2
    assert all("destination_node" not in a["input_parameters"] for a in migrations)
