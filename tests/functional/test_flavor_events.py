"""Flavor events, from Nova's own samples, and the instances OF_FLAVOR them, against the real
Neo4j."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdm_graph.replay import STEP, replay
from cdm_graph.transport.samples import load_sample
from tests.graphs import read_graph
from tests.nova import T0, notification, sample_file

pytestmark = pytest.mark.functional

# Nova's flavor samples and the flavor its instance samples are of.
FLAVORID = "a22d5517-147c-4147-a0d1-e698df5cd4e3"
# The flavor instance.resize_finish.end's sample resizes to.
RESIZED_TO = "d5a8bb54-365a-45ae-abdb-38d249df7845"
UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"
FLAVOR_SAMPLES = ["flavor.create", "flavor.update", "flavor.delete"]
# A second instance of the samples' flavor.
SECOND = "00000000-0000-0000-0000-00000000000b"


def _replayed(writer, *event_types):
    """The samples replayed as ``cdm-graph replay`` does, in this order (each a moment later
    than the one before)."""
    outcome = replay(writer, [sample_file(event_type) for event_type in event_types], T0)
    assert not outcome.rejected, outcome.rejected
    assert sum(outcome.applied.values()) == len(event_types)


def _sample_data(event_type):
    return load_sample(sample_file(event_type))["payload"]["nova_object.data"]


@pytest.mark.parametrize("event_type", ["flavor.create", "flavor.update"])
def test_a_flavor_sample_describes_the_flavor_as_nova_says(writer, graph, event_type):
    _replayed(writer, event_type)
    data = _sample_data(event_type)
    flavor = read_graph(graph)["Flavor"][FLAVORID]
    assert flavor["described"] is True
    assert flavor["last_event"] == event_type
    for name in ("name", "memory_mb", "vcpus", "root_gb", "ephemeral_gb", "swap",
                 "rxtx_factor", "vcpu_weight", "disabled", "is_public"):
        assert flavor[name] == data[name], name
    assert flavor["extra_specs"] == sorted(
        f"{key}={value}" for key, value in (data["extra_specs"] or {}).items()
    )
    assert flavor["projects"] == sorted(data["projects"])
    # Nova's description is null: Neo4j keeps no null property.
    assert "description" not in flavor


def test_the_delete_sample_leaves_a_tombstone_and_no_flavor(writer, graph):
    _replayed(writer, "flavor.delete")
    after = read_graph(graph)
    assert after["Flavor"] == {}
    assert set(after["FlavorTombstone"]) == {FLAVORID}


def test_every_flavor_sample_in_nova_s_order_ends_in_a_deleted_flavor(writer, graph):
    _replayed(writer, *FLAVOR_SAMPLES)
    after = read_graph(graph)
    assert after["Flavor"] == {}
    # Replay stamps each message a step after the one before: the deletion is the third.
    assert after["FlavorTombstone"][FLAVORID]["deleted_at"] == T0 + 2 * STEP


def test_the_update_sample_after_the_create_sample_wins(writer, graph):
    _replayed(writer, "flavor.create", "flavor.update")
    flavor = read_graph(graph)["Flavor"][FLAVORID]
    assert (flavor["last_event"], flavor["is_public"]) == ("flavor.update", False)
    assert flavor["extra_specs"] == ["hw:numa_nodes=2"]
    assert flavor["projects"] == ["6f70656e737461636b20342065766572"]


def test_an_event_older_than_the_deletion_does_not_bring_the_flavor_back(apply, graph):
    apply(notification("flavor.delete", 3))
    apply(notification("flavor.create", 1), notification("flavor.update", 2))
    assert read_graph(graph)["Flavor"] == {}
    apply(notification("flavor.create", 4))
    assert read_graph(graph)["Flavor"][FLAVORID]["described"] is True


def _linked(graph):
    after = read_graph(graph)
    return after["Instance"][UUID]["of_flavor"], after["Flavor"]


def test_an_instance_names_a_flavor_no_event_described_as_a_stub(apply, graph):
    apply(notification("instance.create.end", 1))
    of_flavor, flavors = _linked(graph)
    assert of_flavor == [FLAVORID]
    assert flavors == {FLAVORID: {"flavorid": FLAVORID, "described": False}}


@pytest.mark.parametrize("flavor_first", [True, False], ids=["flavor-first", "instance-first"])
def test_an_instance_is_of_its_flavor_in_either_order(apply, graph, flavor_first):
    events = [notification("flavor.create", 1), notification("instance.create.end", 2)]
    for envelope in events if flavor_first else events[::-1]:
        apply(envelope)
    of_flavor, flavors = _linked(graph)
    assert of_flavor == [FLAVORID]
    assert flavors[FLAVORID]["described"] is True
    assert flavors[FLAVORID]["name"] == "test_flavor"


def test_an_instance_keeps_its_own_flavor_figures(apply, graph):
    apply(notification("flavor.create", 1, vcpus=64))
    apply(notification("instance.create.end", 2))
    after = read_graph(graph)
    assert after["Instance"][UUID]["vcpus"] == _sample_data("instance.create.end")["flavor"][
        "nova_object.data"]["vcpus"]
    assert after["Flavor"][FLAVORID]["vcpus"] == 64


def test_a_resize_moves_the_edge_and_the_stub_left_empty_goes(apply, graph):
    apply(notification("instance.create.end", 1))
    apply(notification("instance.resize_finish.end", 2))
    of_flavor, flavors = _linked(graph)
    assert of_flavor == [RESIZED_TO]
    assert set(flavors) == {RESIZED_TO}


def test_a_resize_away_from_a_described_flavor_leaves_it_described(apply, graph):
    apply(notification("flavor.create", 1), notification("instance.create.end", 1))
    apply(notification("instance.resize_finish.end", 2))
    of_flavor, flavors = _linked(graph)
    assert of_flavor == [RESIZED_TO]
    assert flavors[FLAVORID]["described"] is True
    assert flavors[RESIZED_TO] == {"flavorid": RESIZED_TO, "described": False}


def test_an_older_resize_does_not_move_the_edge(apply, graph):
    apply(notification("instance.resize_finish.end", 2))
    apply(notification("instance.create.end", 1))
    assert _linked(graph) == ([RESIZED_TO], {RESIZED_TO: {
        "flavorid": RESIZED_TO, "described": False
    }})


def test_an_update_of_the_same_flavor_runs_no_flavor_statement(apply, graph, statements_run):
    # The instance hot path: the stored flavor_id comes with the reads it already makes.
    apply(notification("instance.create.end", 1))
    statements_run.clear()
    apply(notification("instance.update", 2), notification("instance.power_off.end", 3))
    assert "batch/instance/write" in statements_run
    assert [name for name in statements_run if "flavor" in name] == []


def test_an_instance_batch_only_locks_the_flavors_it_links_or_unlinks(
    apply, graph, statements_run
):
    # A flavor locked for an instance's edge is not read: no flavor event of the batch
    # describes it. Drawing an edge to it leaves it reached: no cleanup either.
    apply(notification("instance.create.end", 1))
    assert [name for name in statements_run if name.startswith("batch/flavor/")] == [
        "batch/flavor/lock"
    ]


def test_deleting_an_instance_of_a_described_flavor_looks_for_no_empty_stub(
    apply, graph, statements_run
):
    apply(notification("flavor.create", 1), notification("instance.create.end", 1))
    statements_run.clear()
    apply(notification("instance.delete.end", 2))
    assert [name for name in statements_run if name.startswith("batch/flavor/")] == [
        "batch/flavor/lock"
    ]
    assert set(read_graph(graph)["Flavor"]) == {FLAVORID}


def test_updating_a_described_flavor_looks_for_no_empty_stub(apply, graph, statements_run):
    apply(notification("flavor.create", 1))
    statements_run.clear()
    apply(notification("flavor.update", 2, name="renamed"))
    assert "batch/flavor/empty_stubs" not in statements_run
    assert read_graph(graph)["Flavor"][FLAVORID]["name"] == "renamed"


def test_a_deleted_flavor_stays_a_stub_while_instances_are_of_it(apply, graph):
    apply(notification("flavor.create", 1), notification("instance.create.end", 1))
    apply(notification("flavor.delete", 2))
    of_flavor, flavors = _linked(graph)
    assert of_flavor == [FLAVORID]
    assert flavors == {FLAVORID: {"flavorid": FLAVORID, "described": False}}
    assert FLAVORID in read_graph(graph)["FlavorTombstone"]
    apply(notification("instance.delete.end", 3))
    assert read_graph(graph)["Flavor"] == {}


def test_a_flavor_created_again_after_its_deletion_is_described_again(apply, graph):
    apply(notification("instance.create.end", 1), notification("flavor.delete", 2))
    apply(notification("flavor.create", 3, name="again"))
    of_flavor, flavors = _linked(graph)
    assert (of_flavor, flavors[FLAVORID]["name"]) == ([FLAVORID], "again")


def test_the_stub_goes_with_the_last_instance_of_it(apply, graph):
    apply(notification("instance.create.end", 1))
    apply(notification("instance.create.end", 1, uuid=SECOND))
    apply(notification("instance.delete.end", 2))
    assert set(read_graph(graph)["Flavor"]) == {FLAVORID}
    apply(notification("instance.delete.end", 2, uuid=SECOND))
    assert read_graph(graph)["Flavor"] == {}


def test_deleting_one_of_two_instances_of_a_stub_looks_for_no_empty_stub(
    apply, graph, statements_run
):
    # The instance read counts the stub's instances under its lock: one is left.
    apply(notification("instance.create.end", 1))
    apply(notification("instance.create.end", 1, uuid=SECOND))
    statements_run.clear()
    apply(notification("instance.delete.end", 2))
    assert "batch/flavor/empty_stubs" not in statements_run
    assert read_graph(graph)["Flavor"][FLAVORID]["described"] is False


def test_the_stub_goes_with_its_last_instances_deleted_in_one_batch(apply, graph):
    apply(notification("instance.create.end", 1))
    apply(notification("instance.create.end", 1, uuid=SECOND))
    apply(
        notification("instance.delete.end", 2),
        notification("instance.delete.end", 2, uuid=SECOND),
    )
    assert read_graph(graph)["Flavor"] == {}


def test_a_flavor_deletion_of_an_unknown_flavor_leaves_only_its_tombstone(apply, graph):
    apply(notification("flavor.delete", 1, flavorid="gone"))
    after = read_graph(graph)
    assert (after["Flavor"], set(after["FlavorTombstone"])) == ({}, {"gone"})


def test_flavor_tombstones_expire(apply, graph, writer):
    apply(notification("flavor.delete", 1))
    assert writer.expire_tombstones(timedelta(0)) == 1
    assert read_graph(graph)["FlavorTombstone"] == {}


def test_a_rejected_flavor_event_leaves_the_rest_of_its_batch(apply, graph):
    outcome = apply(
        notification("flavor.create", 1, name="n" * 256),
        notification("flavor.create", 1, flavorid="good"),
    )
    [rejection] = outcome.rejected
    assert "field 'name' is longer than 255 characters (256)" in rejection.reason
    assert set(read_graph(graph)["Flavor"]) == {"good"}
