"""Fixtures for tests against the real Neo4j: a writer on a clean graph with the schema."""

from __future__ import annotations

import pytest

from cdm_graph.apply.pipeline import process_batch
from cdm_graph.apply.writer import GraphWriter


@pytest.fixture(scope="session")
def schema_applied(neo4j_driver):
    GraphWriter(neo4j_driver).run_schema()
    return True


@pytest.fixture
def writer(graph, schema_applied) -> GraphWriter:
    return GraphWriter(graph)


@pytest.fixture
def apply(writer):
    """Decode and apply envelopes as one batch; returns the outcome."""

    def apply_envelopes(*envelopes):
        return process_batch(writer, list(envelopes))

    return apply_envelopes
