"""A simulated Nova stream, applied without a broker, ends in the simulator's truth: compute
nodes, instances, aggregates, availability zones, server groups, flavors and every edge
between them."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from cdm_graph.apply.pipeline import process_batch, process_batches
from cdm_graph.simulate import NovaSimulator
from cdm_graph.transport.envelope import from_record
from tests.graphs import read_truth_view, truth_differences

pytestmark = pytest.mark.functional

# A seed whose 300 operations hold every event type of every family, a zone given to an
# aggregate holding a host, a compute service deleted after its host left its aggregates, a
# deleted instance left in its group's member list and a deleted flavor still in use.
EVERY_FAMILY_EVENT = 51


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


def test_simulated_stream_shuffled_and_decoded_ahead_as_replay_runs_it_ends_in_the_truth(
    writer, graph
):
    truth, envelopes = _simulated(seed=13)
    shuffled = envelopes + random.Random(9).sample(envelopes, len(envelopes) // 3)
    random.Random(10).shuffle(shuffled)
    batches = [shuffled[start : start + 41] for start in range(0, len(shuffled), 41)]
    for outcome in process_batches(writer, batches):
        assert not outcome.rejected, outcome.rejected[:3]
    assert truth_differences(truth, read_truth_view(graph)) == []


def test_every_familys_events_in_small_shuffled_batches_end_in_the_truth(writer, graph):
    truth, envelopes = _simulated(seed=EVERY_FAMILY_EVENT)
    assert all(truth[kind] for kind in ("aggregates", "zones", "server_groups", "flavors"))
    shuffled = envelopes + random.Random(7).sample(envelopes, len(envelopes) // 5)
    random.Random(8).shuffle(shuffled)
    _apply_in_batches(writer, shuffled, size=13)
    assert truth_differences(truth, read_truth_view(graph)) == []
