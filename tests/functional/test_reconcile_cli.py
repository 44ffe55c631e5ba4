"""``cdm-graph reconcile`` end to end: a process of its own, credentials as operators give
them (OS_* variables, or a clouds.yaml and ``--os-cloud``), never on its command line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.graphs import hosts_of, read_graph
from tests.openstack_emulator import OpenStackEmulator, inventory

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


@pytest.fixture
def cloud() -> Iterator[OpenStackEmulator]:
    with OpenStackEmulator() as emulator:
        emulator.add_compute("h1", inventories={"VCPU": inventory(32, 2, 4.0)})
        emulator.add_server(UUID, "h1")
        yield emulator


def _environment(neo4j_target: dict[str, Any], tmp_path: Path, **extra: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OS_")}
    environment.update(
        OS_NEO4J__URI=neo4j_target["uri"],
        OS_NEO4J__USERNAME=neo4j_target["username"],
        OS_NEO4J__PASSWORD=neo4j_target["password"],
        # No clouds.yaml of the machine's: only what the test gives.
        OS_CLIENT_CONFIG_FILE=str(tmp_path / "no-clouds.yaml"),
        HOME=str(tmp_path),
    )
    environment.update(extra)
    return environment


def _reconcile(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdm_graph.cli", "reconcile", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_reconcile_takes_its_credentials_from_the_os_variables(
    cloud, graph, neo4j_target, tmp_path
):
    result = _reconcile(_environment(neo4j_target, tmp_path, **cloud.environment()))
    assert result.returncode == 0, result.stderr
    after = read_graph(graph)
    assert hosts_of(after, UUID) == ["h1"]
    assert after["ComputeNode"]["h1"]["vcpus"] == 32
    assert "instances: 1 created, 0 updated, 0 removed" in result.stdout


def test_reconcile_takes_a_cloud_of_clouds_yaml(cloud, graph, neo4j_target, tmp_path):
    clouds_yaml = cloud.write_clouds_yaml(tmp_path / "clouds.yaml", "emulated")
    environment = _environment(neo4j_target, tmp_path, OS_CLIENT_CONFIG_FILE=str(clouds_yaml))
    result = _reconcile(environment, "--os-cloud", "emulated")
    assert result.returncode == 0, result.stderr
    assert UUID in read_graph(graph)["Instance"]


def test_reconcile_fails_and_removes_nothing_when_the_listing_fails(
    cloud, graph, neo4j_target, tmp_path
):
    environment = _environment(neo4j_target, tmp_path, **cloud.environment())
    assert _reconcile(environment).returncode == 0
    cloud.remove_server(UUID)
    cloud.fail("/servers/detail")
    result = _reconcile(environment)
    assert result.returncode == 1
    assert "listing incomplete, nothing removed" in result.stdout
    assert UUID in read_graph(graph)["Instance"]


def test_secrets_stay_out_of_the_output_even_when_debugging(
    cloud, graph, neo4j_target, tmp_path
):
    environment = _environment(
        neo4j_target, tmp_path, OS_DEFAULT__DEBUG="true", **cloud.environment()
    )
    result = _reconcile(environment)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "DEBUG" in output, "the debug log is on"
    assert cloud.password not in output
    assert neo4j_target["password"] not in output
    assert cloud.token not in output
