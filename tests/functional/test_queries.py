"""The named queries of cypher/queries, each on the known cloud (tests/cloud.py), and
`cdm-graph query` end to end."""

from __future__ import annotations

import json
import logging

import pytest

from cdm_graph import cli
from cdm_graph.read import queries
from cdm_graph.read.client import GraphClient
from tests import cloud

pytestmark = pytest.mark.functional


@pytest.fixture
def run(apply, graph):
    """Run a named query as `cdm-graph query NAME --param k=v` would; its rows."""
    cloud.build(apply, graph)
    client = GraphClient(graph)

    def run_query(name: str, **given: str) -> list[dict]:
        query = queries.get(name)
        return client.query(query.statement, **query.bind(given))

    return run_query


def test_every_query_file_is_tested_here():
    tested = {name.removeprefix("test_").split("__")[0] for name in globals()}
    assert set(queries.names()) <= tested


def test_hosts_by_free_capacity(run):
    rows = run("hosts_by_free_capacity")
    assert [row["hostname"] for row in rows] == [
        "compute-1", "compute-5", "compute-3", "compute-2", "compute-4", "compute-9",
    ]
    first = rows[0]
    assert (first["free_vcpus"], first["free_memory_mb"], first["free_disk_gb"]) == (
        27.0, 23552.0, 419.0,
    )
    assert rows[3]["free_vcpus"] == -2.0


def test_hosts_by_free_capacity__unknown_capacity_is_null_and_last_never_negative(run):
    for resource in ("vcpu", "memory", "disk"):
        rows = run("hosts_by_free_capacity", resource=resource)
        unknown = [
            (row["free_vcpus"], row["free_memory_mb"], row["free_disk_gb"])
            for row in rows if row["hostname"] in {"compute-4", "compute-9"}
        ]
        assert unknown == [(None, None, None)] * 2
        assert [row["hostname"] for row in rows[-2:]] == ["compute-4", "compute-9"]


def test_hosts_by_free_capacity__sorts_by_the_resource_asked_and_limits(run):
    rows = run("hosts_by_free_capacity", resource="memory", limit="2")
    assert [row["hostname"] for row in rows] == ["compute-5", "compute-1"]


def test_overcommitted_hosts(run):
    rows = run("overcommitted_hosts")
    assert [row["hostname"] for row in rows] == ["compute-2"]
    assert (rows[0]["used_vcpus"], rows[0]["vcpu_capacity"], rows[0]["vcpu_load"]) == (
        10, 8.0, 1.25,
    )
    assert rows[0]["memory_load"] == 1.25


def test_overcommitted_hosts__with_a_lower_threshold_reports_busy_hosts(run):
    # compute-1's instances use 8704 of its 32256 MB: 0.27.
    rows = run("overcommitted_hosts", threshold="0.25")
    assert [row["hostname"] for row in rows] == ["compute-1", "compute-2"]


def test_unavailable_hosts_with_instances(run):
    rows = run("unavailable_hosts_with_instances")
    assert [
        (row["hostname"], row["status"], row["state"], row["instance_names"]) for row in rows
    ] == [
        ("compute-3", "disabled", "up", ["vm-e"]),
        ("compute-4", "enabled", "down", ["vm-f"]),
    ]
    assert rows[0]["disabled_reason"] == "maintenance"


def test_instances_per_project_per_host(run):
    rows = run("instances_per_project_per_host")
    assert [(r["project_id"], r["hostname"], r["instances"], r["vcpus"]) for r in rows] == [
        (cloud.PROJECT_1, "compute-1", 1, 4),
        (cloud.PROJECT_1, "compute-2", 2, 10),
        (cloud.PROJECT_2, "compute-1", 1, 1),
        (cloud.PROJECT_2, "compute-3", 1, 2),
        (cloud.PROJECT_3, "compute-4", 1, 1),
        (cloud.PROJECT_3, "compute-9", 1, 1),
    ]


def test_instances_per_project_per_host__of_one_project(run):
    rows = run("instances_per_project_per_host", project_id=cloud.PROJECT_2)
    assert [(r["hostname"], r["memory_mb"]) for r in rows] == [
        ("compute-1", 512), ("compute-3", 2048),
    ]


def test_instances_without_host(run):
    rows = run("instances_without_host")
    assert [(row["name"], row["state"]) for row in rows] == [("vm-h", "shelved_offloaded")]
    assert rows[0]["last_event"] == "instance.shelve_offload.end"


def test_undescribed_compute_nodes(run):
    rows = run("undescribed_compute_nodes")
    assert [(row["hostname"], row["instances"]) for row in rows] == [("compute-9", 1)]


def test_largest_instances(run):
    rows = run("largest_instances", limit="3")
    assert [(row["name"], row["memory_mb"], row["hostname"]) for row in rows] == [
        ("vm-c", 16384, "compute-2"),
        ("vm-a", 8192, "compute-1"),
        ("vm-d", 4096, "compute-2"),
    ]


def test_largest_instances__by_disk_include_those_without_host(run):
    rows = run("largest_instances", resource="disk", limit="4")
    assert [(row["name"], row["disk_gb"]) for row in rows][:2] == [("vm-c", 160), ("vm-a", 80)]
    assert ("vm-h", None) in [(row["name"], row["hostname"]) for row in rows]


def test_host_neighbourhood(run):
    rows = run("host_neighbourhood", hostname="compute-1")
    assert [(r["instance_name"], r["project_id"], r["project_peer_hosts"]) for r in rows] == [
        ("vm-a", cloud.PROJECT_1, ["compute-2"]),
        ("vm-b", cloud.PROJECT_2, ["compute-3"]),
    ]


def test_host_neighbourhood__of_an_empty_host_is_the_host_alone(run):
    rows = run("host_neighbourhood", hostname="compute-5")
    assert [(r["hostname"], r["status"], r["instance_uuid"]) for r in rows] == [
        ("compute-5", "enabled", None),
    ]


# ------------------------------------------------------------------ cdm-graph query


# ---------------------------------------------------------------- beyond Watcher's model


@pytest.fixture
def run_grouped(apply, graph):
    """Run a named query on the known cloud with its aggregates, zones, server groups and
    flavors."""
    cloud.build_with_groupings(apply, graph)
    client = GraphClient(graph)

    def run_query(name: str, **given: str) -> list[dict]:
        query = queries.get(name)
        return client.query(query.statement, **query.bind(given))

    return run_query


def test_capacity_by_availability_zone(run_grouped):
    rows = {row["zone"]: row for row in run_grouped("capacity_by_availability_zone")}
    assert list(rows) == ["az-1", "nova"]
    az1 = rows["az-1"]
    assert (az1["nodes"], az1["unknown_capacity_nodes"], az1["instances"]) == (2, 0, 4)
    assert (az1["vcpu_capacity"], az1["used_vcpus"], az1["free_vcpus"]) == (40.0, 15, 25.0)
    assert az1["free_memory_mb"] == 48640.0 - 29184


def test_capacity_by_availability_zone__counts_free_capacity_only_where_it_is_known(
    run_grouped,
):
    nova = run_grouped("capacity_by_availability_zone", zone="nova")
    assert len(nova) == 1
    # compute-4 was never reconciled; compute-7 and compute-9 are stubs: their instances
    # count as used, never against a capacity of 0.
    assert (nova[0]["nodes"], nova[0]["unknown_capacity_nodes"]) == (5, 3)
    assert (nova[0]["vcpu_capacity"], nova[0]["used_vcpus"], nova[0]["free_vcpus"]) == (
        32.0, 4, 30.0)


def test_hosts_of_aggregate(run_grouped):
    rows = run_grouped("hosts_of_aggregate", aggregate="agg-ssd")
    assert [(row["hostname"], row["zones"], row["instances"]) for row in rows] == [
        ("compute-2", ["az-1"], 2),
        ("compute-3", ["nova"], 1),
        ("compute-7", ["nova"], 0),
    ]
    assert rows[0]["aggregate_uuid"] == cloud.AGGREGATE_SSD


def test_hosts_of_aggregate__by_uuid(run_grouped):
    rows = run_grouped("hosts_of_aggregate", aggregate=cloud.AGGREGATE_AZ1)
    assert [row["hostname"] for row in rows] == ["compute-1", "compute-2"]
    assert {row["aggregate_zone"] for row in rows} == {"az-1"}


def test_anti_affinity_violations(run_grouped):
    rows = run_grouped("anti_affinity_violations")
    assert [(row["group_name"], row["hostname"], row["instance_names"]) for row in rows] == [
        ("web", "compute-1", ["vm-a", "vm-b"]),
    ]
    assert (rows[0]["allowed"], rows[0]["members_on_host"]) == (1, 2)


def test_anti_affinity_violations__with_soft_policies(run_grouped):
    rows = run_grouped("anti_affinity_violations", include_soft="true")
    assert [(row["group_name"], row["policy"], row["hostname"]) for row in rows] == [
        ("batch", "soft-anti-affinity", "compute-2"),
        ("web", "anti-affinity", "compute-1"),
    ]


def test_affinity_violations(run_grouped):
    rows = run_grouped("affinity_violations")
    assert [(row["group_name"], row["hostnames"], row["members_per_host"]) for row in rows] == [
        ("db", ["compute-2", "compute-3"], [1, 1]),
    ]


def test_instances_of_flavor(run_grouped):
    rows = run_grouped("instances_of_flavor", flavor="m1.small")
    assert [(row["instance_name"], row["hostname"]) for row in rows] == [
        ("vm-d", "compute-2"), ("vm-e", "compute-3"), ("vm-h", None),
    ]
    assert {row["flavorid"] for row in rows} == {"2"}


def test_instances_of_flavor__known_only_by_its_id(run_grouped):
    rows = run_grouped("instances_of_flavor", flavor="3")
    assert [row["instance_name"] for row in rows] == ["vm-a", "vm-c"]
    assert {row["flavor_name"] for row in rows} == {None}


@pytest.fixture
def command(apply, graph, neo4j_target, monkeypatch):
    """`cdm-graph query ...` against the test Neo4j (configured as an operator would,
    through oslo.config's environment variables); its exit code."""
    cloud.build(apply, graph)
    monkeypatch.setenv("OS_NEO4J__URI", neo4j_target["uri"])
    monkeypatch.setenv("OS_NEO4J__USERNAME", neo4j_target["username"])
    monkeypatch.setenv("OS_NEO4J__PASSWORD", neo4j_target["password"])
    # The command sets up oslo.log on the root logger, writing to this test's captured
    # stderr: put the root logger back, or later tests log into a closed stream.
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    return lambda *argv: cli.main(["query", *argv])


def test_query_command_prints_a_table(command, capsys):
    assert command("overcommitted_hosts") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["hostname", "instances", "used_vcpus"]
    assert lines[2].split()[:3] == ["compute-2", "2", "10"]
    assert lines[-1] == "(1 row)"


def test_query_command_prints_unknown_free_capacity_as_a_dash(command, capsys):
    assert command("hosts_by_free_capacity") == 0
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    # hostname status state instances free_vcpus free_memory_mb free_disk_gb
    assert lines["compute-4"][-3:] == ["-", "-", "-"]
    assert lines["compute-9"] == ["compute-9", "-", "-", "1", "-", "-", "-"]
    assert lines["compute-2"][-3:] == ["-2", "-4096", "0"]


def test_query_command_prints_json_with_typed_parameters(command, capsys):
    assert command("largest_instances", "--param", "limit=1", "--param", "resource=vcpu",
                   "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(row["name"], row["vcpus"]) for row in rows] == [("vm-c", 8)]


def test_query_command_with_an_unknown_query_exits_2(command, capsys):
    assert command("no_such_query") == 2
    assert "no query named 'no_such_query'" in capsys.readouterr().err


def test_query_command_without_a_required_parameter_exits_2(command, capsys):
    assert command("host_neighbourhood") == 2
    assert "needs --param hostname=" in capsys.readouterr().err


def test_query_list_shows_every_query_with_its_description(command, capsys):
    assert command("--list") == 0
    out = capsys.readouterr().out
    for query in queries.catalogue():
        assert f"{query.name}\n    {query.summary}" in out
