"""Fixtures for tests against the real Neo4j: a writer on a clean graph with the schema; the
API emulator as the cloud of the OS_* variables, and an openstacksdk connection to it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from cdm_graph import gateway, statements
from cdm_graph.apply import writer as writer_module
from cdm_graph.apply.pipeline import process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.reconcile import connect
from tests.openstack_emulator import OpenStackEmulator, served


@pytest.fixture(scope="session")
def schema_applied(neo4j_driver):
    GraphWriter(neo4j_driver).run_schema()
    return True


@pytest.fixture(params=[True, False], ids=["collector on", "collector off"])
def collector_enabled(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Python's garbage collector on, then off, for the test; as it was after it."""
    was = gc.isenabled()
    (gc.enable if request.param else gc.disable)()
    try:
        yield request.param
    finally:
        (gc.enable if was else gc.disable)()


@pytest.fixture
def writer(graph, schema_applied) -> GraphWriter:
    return GraphWriter(graph)


@pytest.fixture
def apply(writer):
    """Decode and apply envelopes as one batch; returns the outcome."""

    def apply_envelopes(*envelopes):
        return process_batch(writer, list(envelopes))

    return apply_envelopes


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenStackEmulator]:
    """The emulated cloud, empty, named by the OS_* variables as an openrc would."""
    with served(monkeypatch) as emulator:
        yield emulator


@pytest.fixture
def connection(cloud: OpenStackEmulator) -> Iterator[Any]:
    connection = connect(None)
    yield connection
    connection.close()


@pytest.fixture
def statements_run(monkeypatch):
    """The names of the statements run from here on, in order. Of those run as one, in one
    round trip (a batch's locks, reads and writes), those given something to do: a family
    with nothing to read still reads, with no keys, so that each step is one plan whatever
    the batch."""
    ran: list[str] = []
    load = statements.load
    run_in_sequence = gateway.run_in_sequence
    together = False

    def recorded(name: str) -> str:
        if not together:
            ran.append(name)
        return load(name)

    def recorded_in_sequence(tx, parts, reading=()):
        nonlocal together
        ran.extend(name for name, values in [*parts, *reading] if any(values.values()))
        together = True
        try:
            return run_in_sequence(tx, parts, reading)
        finally:
            together = False

    monkeypatch.setattr(statements, "load", recorded)
    monkeypatch.setattr(gateway, "run_in_sequence", recorded_in_sequence)
    monkeypatch.setattr(writer_module, "run_in_sequence", recorded_in_sequence)
    return ran
