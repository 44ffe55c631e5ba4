"""Watcher's own strategy loader finds the graph strategies from the installed entry points,
and they run unchanged on a graph filled by reconcile (against the API emulator) and Nova's
notifications, configured through Watcher's own configuration (tests/watcher_cloud.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import watcher_cloud
from tests.watcher_cloud import BY_NAME, emulated_cloud, watcher_conf  # noqa: F401 - fixtures

loading = pytest.importorskip("watcher.decision_engine.loading.default")
watcher_utils = pytest.importorskip("watcher.common.utils")
watcher_exception = pytest.importorskip("watcher.common.exception")

pytestmark = pytest.mark.functional


@pytest.fixture
def cloud(emulated_cloud, writer, apply, watcher_conf):  # noqa: F811 - the fixture
    """The emulated cloud reconciled into the graph, then Nova's notifications applied; the
    emulator's requests forgotten, so that a test sees what the audit asked of it."""
    watcher_cloud.reconcile(writer)
    outcome = apply(*watcher_cloud.notifications())
    assert not outcome.rejected, outcome.rejected
    emulated_cloud.requests.clear()
    return emulated_cloud


def run(name: str, audit_scope: list[dict[str, Any]], **parameters: Any) -> list[dict]:
    """Load the strategy as the decision engine does, by name, and run it."""
    strategy = loading.DefaultStrategyLoader().load(name)
    strategy.audit_scope = audit_scope
    strategy.input_parameters = watcher_utils.Struct(parameters)
    return strategy.execute().actions


def migrate(server: str, source: str, destination: str | None, kind: str = "live") -> dict:
    parameters = {"migration_type": kind, "source_node": source, "resource_name": server,
                  "resource_id": BY_NAME[server].uuid}
    if destination is not None:
        parameters["destination_node"] = destination
    return {"action_type": "migrate", "input_parameters": parameters}


def service_state(host: str, state: str, reason: str | None = None) -> dict:
    parameters = {"state": state, "resource_name": host}
    if reason is not None:
        parameters["disabled_reason"] = reason
    return {"action_type": "change_nova_service_state", "input_parameters": parameters}


def test_watchers_loader_lists_the_graph_strategies_from_the_entry_points():
    available = loading.DefaultStrategyLoader().list_available()
    assert {"graph_host_maintenance", "graph_node_resource_consolidation"} <= set(available)
    assert available["graph_host_maintenance"].get_goal_name() == "cluster_maintaining"
    assert available["graph_host_maintenance"].get_schema()["required"] == ["maintenance_node"]


def test_graph_host_maintenance_moves_everything_the_graph_says_w1_hosts_to_the_backup(cloud):
    # s-c came to w-1 and s-g was created there after the listing: only notifications say so.
    scope = [{"compute": [{"exclude": [{"compute_nodes": [{"name": "w-3"}]}]}]}]
    actions = run("graph_host_maintenance", scope, maintenance_node="w-1", backup_node="w-2")
    w1 = cloud.computes["w-1"].hypervisor_uuid
    disable = service_state("w-1", "disabled", "watcher_maintaining")
    disable["input_parameters"]["resource_id"] = w1
    assert actions == [
        disable,
        migrate("s-a", "w-1", "w-2"),
        migrate("s-b", "w-1", "w-2", kind="cold"),  # stopped: cold
        migrate("s-c", "w-1", "w-2"),
        migrate("s-g", "w-1", "w-2"),
    ]


def test_the_audit_reads_the_graph_and_asks_nothing_of_nova(cloud):
    scope = [{"compute": [{"exclude": [{"projects": [{"uuid": watcher_cloud.PROJECT_2}]},
                                       {"compute_nodes": [{"name": "w-4"}]}]}]}]
    run("graph_host_maintenance", scope, maintenance_node="w-1")
    assert cloud.requests == []


def test_graph_host_maintenance_cannot_back_up_on_a_node_the_scope_excludes(cloud):
    scope = [{"compute": [{"exclude": [{"compute_nodes": [{"name": "w-2"}]}]}]}]
    with pytest.raises(watcher_exception.ComputeNodeNotFound):
        run("graph_host_maintenance", scope, maintenance_node="w-1", backup_node="w-2")


def test_graph_node_resource_consolidation_moves_the_least_used_nodes_instances(cloud):
    # By vCPUs used: w-2, w-4 (s-e deleted after the listing) and w-5 are empty; w-3 (s-d)
    # is the least used, and w-1 (s-a, s-b, s-c, s-g) the one with room that is used most.
    actions = run("graph_node_resource_consolidation", [], host_choice="specify")
    assert actions == [migrate("s-d", "w-3", "w-1")]


def test_graph_node_resource_consolidation_places_nothing_outside_the_scope(cloud):
    scope = [{"compute": [{"exclude": [{"compute_nodes": [{"name": "w-1"}]}]}]}]
    actions = run("graph_node_resource_consolidation", scope, host_choice="specify")
    assert actions == [migrate("s-d", "w-3", "w-5")]


def test_the_password_is_never_logged(cloud, neo4j_target, caplog):
    with caplog.at_level("DEBUG"):
        run("graph_host_maintenance", [], maintenance_node="w-5")
    assert neo4j_target["password"] not in caplog.text
