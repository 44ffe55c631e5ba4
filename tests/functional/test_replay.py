"""``cdm-graph replay`` applies captured notifications without a broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cdm_graph.transport.samples import load_sample
from tests.graphs import hosts_of, read_graph
from tests.nova import samples_dir

pytestmark = pytest.mark.functional


def _replay(neo4j_target, *args):
    # The password travels in the environment, never in argv.
    env = {
        **os.environ,
        "OS_NEO4J__URI": neo4j_target["uri"],
        "OS_NEO4J__USERNAME": neo4j_target["username"],
        "OS_NEO4J__PASSWORD": neo4j_target["password"],
    }
    return subprocess.run(
        [sys.executable, "-m", "cdm_graph.cli", "replay", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_replaying_nova_samples_applies_the_table_and_skips_the_rest(graph, neo4j_target):
    result = _replay(neo4j_target, samples_dir(), "--start-time", "2026-01-01T00:00:00")
    assert result.returncode == 0, result.stderr
    assert "rejected: 0" in result.stdout
    assert "applied 1 instance.create.end" in result.stdout
    assert "applied 1 aggregate.create.end" in result.stdout
    assert "skipped 1 aggregate.create.start" in result.stdout
    # Samples are read in file-name order: the last word on the sample instance is
    # instance.volume_swap's, and service-update.json's host1 is a compute node.
    assert "host1" in read_graph(graph)["ComputeNode"]


def test_replaying_json_lines_applies_good_lines_and_reports_bad_ones(
    graph, neo4j_target, tmp_path
):
    # Nova sends whole payloads: the samples' $refs are resolved before capture.
    create = load_sample(samples_dir() / "instance-create-end.json")
    update = load_sample(samples_dir() / "instance-update.json")
    lines = [
        # The messagingv2 wire form, as captured from RabbitMQ.
        json.dumps(
            {
                "oslo.version": "2.0",
                "oslo.message": json.dumps(
                    {**create, "message_id": "m1", "timestamp": "2026-11-25 09:00:01.000001"}
                ),
            }
        ),
        "{not json",
        # The listener's view, with its metadata.
        json.dumps(
            {
                **update,
                "payload": {
                    **update["payload"],
                    "nova_object.data": {**update["payload"]["nova_object.data"], "host": "h9"},
                },
                "metadata": {"message_id": "m2", "timestamp": "2026-11-25 09:00:02"},
            }
        ),
        json.dumps({**create, "timestamp": "2026-11-25 09:00:03", "payload": "oops"}),
    ]
    capture = tmp_path / "capture.jsonl"
    capture.write_text("\n".join(lines) + "\n")
    result = _replay(neo4j_target, capture)
    assert result.returncode == 1
    assert "applied: 2" in result.stdout
    assert "rejected: 2" in result.stdout
    assert f"{capture}:2:" in result.stdout
    assert "payload must be an object" in result.stdout
    after = read_graph(graph)
    assert hosts_of(after, "178b0921-8f85-4257-88b6-2e743b5a975c") == ["h9"]


@pytest.mark.parametrize("with_message_id", [True, False], ids=["message_id", "digest"])
def test_replaying_messages_with_tied_timestamps_in_either_order_gives_one_graph(
    graph, neo4j_target, tmp_path, with_message_id
):
    update = load_sample(samples_dir() / "instance-update.json")
    service = load_sample(samples_dir() / "service-update.json")
    tied = "2026-11-25 09:00:01.000001"

    def line(record, data, message_id):
        payload = {**record["payload"],
                   "nova_object.data": {**record["payload"]["nova_object.data"], **data}}
        metadata = {"timestamp": tied, **({"message_id": message_id} if with_message_id else {})}
        return json.dumps({**record, "payload": payload, "metadata": metadata})

    lines = [
        line(update, {"display_name": "first", "host": "h1"}, "m1"),
        line(update, {"display_name": "second", "host": "h2"}, "m2"),
        line(service, {"host": "h1", "disabled": True, "disabled_reason": "first"}, "m3"),
        line(service, {"host": "h1", "disabled": False}, "m4"),
    ]
    graphs = []
    for ordered in (lines, lines[::-1]):
        graph.execute_query("MATCH (n) DETACH DELETE n")
        capture = tmp_path / "capture.jsonl"
        capture.write_text("\n".join(ordered) + "\n")
        result = _replay(neo4j_target, capture)
        assert result.returncode == 0, result.stdout + result.stderr
        graphs.append(read_graph(graph))
    assert graphs[0] == graphs[1]
    [instance] = graphs[0]["Instance"].values()
    if with_message_id:
        # The greater message id wins the tie.
        assert (instance["name"], instance["host"]) == ("second", "h2")
        assert graphs[0]["ComputeNode"]["h1"]["status"] == "enabled"
