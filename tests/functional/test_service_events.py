"""service.* events describe, update and remove compute nodes, nova-compute's only."""

from __future__ import annotations

import pytest

from tests.graphs import hosts_of, read_graph
from tests.nova import notification

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


def test_service_create_describes_the_compute_node(apply, graph):
    apply(notification("service.create", 1))
    node = read_graph(graph)["ComputeNode"]["host2"]
    assert node["described"] is True
    assert (node["status"], node["state"]) == ("enabled", "up")
    assert node["service_uuid"] == "fa69c544-906b-4a6a-a9c6-c1f7a8078c73"


def test_service_update_disables_and_forces_down(apply, graph):
    apply(notification("service.create", 1, host="host1"))
    apply(
        notification(
            "service.update", 2, disabled=True, disabled_reason="maintenance", forced_down=True
        )
    )
    node = read_graph(graph)["ComputeNode"]["host1"]
    assert (node["status"], node["state"]) == ("disabled", "down")
    assert node["disabled_reason"] == "maintenance"
    assert node["last_event"] == "service.update"


def test_reenabling_clears_the_disabled_reason(apply, graph):
    apply(notification("service.update", 1, disabled=True, disabled_reason="maintenance"))
    apply(notification("service.update", 2, disabled=False, disabled_reason=None))
    node = read_graph(graph)["ComputeNode"]["host1"]
    assert node["status"] == "enabled"
    assert "disabled_reason" not in node


def test_service_delete_removes_the_compute_node_and_leaves_a_tombstone(apply, graph):
    apply(notification("service.create", 1))
    apply(notification("service.delete", 2))
    after = read_graph(graph)
    assert after["ComputeNode"] == {}
    assert "host2" in after["ComputeNodeTombstone"]


def test_service_update_older_than_the_deletion_is_ignored(apply, graph):
    apply(notification("service.delete", 2, host="host1"))
    apply(notification("service.update", 1))
    assert read_graph(graph)["ComputeNode"] == {}


def test_deleting_a_compute_node_unhosts_its_instances(apply, graph):
    apply(notification("service.create", 1, host="h1"))
    apply(notification("instance.create.end", 2, host="h1"))
    apply(notification("service.delete", 3, host="h1"))
    after = read_graph(graph)
    assert hosts_of(after, UUID) == []
    assert after["ComputeNode"] == {}
    assert after["Instance"][UUID]["host"] == "h1", "the instance keeps what Nova said"


@pytest.mark.parametrize("binary", ["nova-conductor", "nova-scheduler", "nova-api"])
def test_other_nova_services_do_not_touch_the_graph(apply, graph, binary):
    outcome = apply(notification("service.create", 1, binary=binary, host="ctl"))
    assert outcome.skipped == {"service.create": 1}
    assert read_graph(graph)["ComputeNode"] == {}


def test_an_instance_leaving_a_described_host_looks_for_no_empty_stub(
    apply, graph, statements_run
):
    apply(notification("service.create", 1, host="h1"))
    apply(notification("instance.create.end", 2, host="h1"))
    statements_run.clear()
    apply(notification("instance.delete.end", 3, host="h1"))
    assert "batch/compute_node/empty_stubs" not in statements_run
    assert set(read_graph(graph)["ComputeNode"]) == {"h1"}


def test_a_host_known_only_from_its_instance_goes_with_it(apply, graph):
    apply(notification("instance.create.end", 1, host="h1"))
    assert read_graph(graph)["ComputeNode"]["h1"]["described"] is False
    apply(notification("instance.delete.end", 2, host="h1"))
    assert read_graph(graph)["ComputeNode"] == {}
