"""A simulated Nova stream, applied without a broker, ends in the simulator's truth."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from cdm_graph.apply.pipeline import process_batch
from cdm_graph.simulate import NovaSimulator
from cdm_graph.transport.envelope import from_record
from tests.graphs import read_truth_view, truth_differences

pytestmark = pytest.mark.functional


def _simulated(seed: int) -> tuple[dict, list]:
    simulator = NovaSimulator(hosts=8, instances=60, seed=seed)
    messages = list(simulator.messages(300, start=datetime(2026, 1, 1, 9)))
    return simulator.truth(), [from_record(message) for message in messages]


def _apply_in_batches(writer, envelopes, size: int) -> None:
    for start in range(0, len(envelopes), size):
        outcome = process_batch(writer, envelopes[start : start + size])
        assert not outcome.rejected, outcome.rejected[:3]


def test_simulated_stream_in_order_ends_in_the_truth(writer, graph):
    truth, envelopes = _simulated(seed=11)
    _apply_in_batches(writer, envelopes, size=200)
    assert truth_differences(truth, read_truth_view(graph)) == []


def test_simulated_stream_shuffled_and_redelivered_ends_in_the_truth(writer, graph):
    truth, envelopes = _simulated(seed=12)
    shuffled = envelopes + random.Random(5).sample(envelopes, len(envelopes) // 3)
    random.Random(6).shuffle(shuffled)
    _apply_in_batches(writer, shuffled, size=97)
    assert truth_differences(truth, read_truth_view(graph)) == []
