"""Watcher's compute audit scope, read into the parameters of the graph's scope statements
(cdm_graph.watcher.scope): what Watcher's ComputeScope reads, and what it refuses."""

from __future__ import annotations

import pytest

from cdm_graph.watcher.scope import ComputeScope, Names, WildcardMixed

SCOPE = [
    {"storage": [{"availability_zones": [{"name": "cinder-az"}]}]},
    {"compute": [
        {"availability_zones": [{"name": "az-1"}, {"name": "az-2"}]},
        {"host_aggregates": [{"id": 3}, {"name": "fast"}]},
        {"exclude": [
            {"instances": [{"uuid": "i-1"}, {"uuid": "i-2"}]},
            {"compute_nodes": [{"name": "w-9"}]},
            {"host_aggregates": [{"name": "gpu"}]},
            {"instance_metadata": [{"optimize": "false"}]},
            {"projects": [{"uuid": "p-1"}]},
        ]},
    ]},
    {"compute": [{"availability_zones": [{"name": "ignored: only the first counts"}]}]},
]


def test_the_first_compute_scope_is_read_whole():
    scope = ComputeScope.of(SCOPE)
    assert scope == ComputeScope(
        zones=Names(names=("az-1", "az-2")),
        aggregates=Names(ids=(3,), names=("fast",)),
        excluded_nodes=("w-9",),
        excluded_aggregates=Names(names=("gpu",)),
        excluded_instances=("i-1", "i-2"),
        excluded_projects=("p-1",),
        excluded_metadata=(("optimize", "false"),),
    )


def test_no_scope_keeps_every_node():
    for empty in (None, [], [{"storage": []}], [{"compute": []}]):
        assert ComputeScope.of(empty).node_parameters()["restricted"] is False


def test_every_aggregate_restricts_to_the_nodes_of_some_aggregate():
    parameters = ComputeScope.of([{"compute": [{"host_aggregates": [{"id": "*"}]}]}])
    node_parameters = parameters.node_parameters()
    assert (node_parameters["restricted"], node_parameters["all_aggregates"]) == (True, True)
    assert (node_parameters["aggregate_ids"], node_parameters["all_zones"]) == ([], False)


@pytest.mark.parametrize("rule, resource", [
    ({"availability_zones": [{"name": "*"}, {"name": "az-1"}]}, "availability zones"),
    ({"host_aggregates": [{"id": "*"}, {"id": 2}]}, "host aggregates"),
    ({"exclude": [{"host_aggregates": [{"name": "*"}, {"name": "gpu"}]}]}, "host aggregates"),
])
def test_a_wildcard_beside_other_names_is_refused_as_watcher_refuses_it(rule, resource):
    with pytest.raises(WildcardMixed, match=f"the only entry of {resource}"):
        ComputeScope.of([{"compute": [rule]}])


def test_metadata_excludes_only_when_the_strategy_checks_metadata():
    scope = ComputeScope.of(SCOPE)
    assert scope.instance_parameters(["w-1"], by_metadata=False)["metadata"] == []
    assert scope.instance_parameters(["w-1"], by_metadata=True)["metadata"] == [
        {"key": "optimize", "value": "false"}
    ]
