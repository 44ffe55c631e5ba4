"""Fixtures of the unit tests that list the emulated cloud over HTTP (no Neo4j)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cdm_graph.reconcile import connect
from tests.openstack_emulator import OpenStackEmulator


@pytest.fixture
def cloud() -> Iterator[OpenStackEmulator]:
    """The emulated cloud, with one compute node (h1)."""
    with OpenStackEmulator() as emulator:
        emulator.add_compute("h1")
        yield emulator


@pytest.fixture
def connection(cloud: OpenStackEmulator, tmp_path) -> Iterator[Any]:
    """An openstacksdk connection to it, through a clouds.yaml naming it ``emulated``."""
    clouds_yaml = cloud.write_clouds_yaml(tmp_path / "clouds.yaml", "emulated")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_yaml))
        connection = connect("emulated")
    yield connection
    connection.close()
