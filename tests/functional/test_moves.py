"""Host moves, end to end, with Nova's samples in the order Nova sends them.

Events outside the table (``*.start``, ``live_migration_post.end``, ``instance.evacuate``)
are sent too: they carry the old host, sometimes with a later timestamp, and must not move
the instance.
"""

from __future__ import annotations

import pytest

from tests.graphs import hosts_of, read_graph
from tests.nova import notification

pytestmark = pytest.mark.functional

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


def _hosts(graph):
    return hosts_of(read_graph(graph), UUID)


def test_live_migration_moves_the_instance_to_the_destination(apply, graph):
    apply(
        notification("service.create", 0, host="src"),
        notification("service.create", 0.5, host="dst"),
        notification("instance.create.end", 1, host="src", node="src"),
    )
    apply(notification("instance.live_migration_pre.start", 2, host="src"))
    apply(notification("instance.live_migration_post_dest.end", 3, host="dst", node="dst"))
    # The source's own notice comes later with the old host.
    apply(notification("instance.live_migration_post.end", 4, host="src", node="src"))
    assert _hosts(graph) == ["dst"]
    assert read_graph(graph)["Instance"][UUID]["node"] == "dst"


def test_live_migration_rollback_keeps_the_instance_on_the_source(apply, graph):
    apply(notification("instance.create.end", 1, host="src"))
    apply(notification("instance.live_migration_rollback.end", 2, host="src"))
    assert _hosts(graph) == ["src"]


def test_resize_then_confirm_ends_on_the_new_host(apply, graph):
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification("instance.resize.start", 2, host="h1"))
    apply(notification("instance.resize.end", 3, host="h1"))
    apply(notification("instance.resize_finish.end", 4, host="h2", node="h2"))
    assert _hosts(graph) == ["h2"]
    apply(notification("instance.resize_confirm.end", 5, host="h2", node="h2"))
    after = read_graph(graph)
    assert hosts_of(after, UUID) == ["h2"]
    assert (after["Instance"][UUID]["flavor_name"], after["Instance"][UUID]["memory_mb"]) == (
        "m1.small",
        2048,
    )
    assert "h1" not in after["ComputeNode"], "an undescribed host left empty goes"


def test_resize_then_revert_ends_on_the_old_host(apply, graph):
    apply(notification("service.create", 0, host="h1"))
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification("instance.resize_finish.end", 2, host="h2", node="h2"))
    apply(notification("instance.resize_revert.end", 3, host="h1", node="h1"))
    after = read_graph(graph)
    assert hosts_of(after, UUID) == ["h1"]
    assert "h2" not in after["ComputeNode"]


def test_shelve_offload_unhosts_and_unshelve_places_on_another_host(apply, graph):
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification("instance.shelve.end", 2, host="h1"))
    apply(notification("instance.shelve_offload.end", 3))
    after = read_graph(graph)
    assert hosts_of(after, UUID) == []
    assert after["Instance"][UUID].get("host") is None
    assert after["Instance"][UUID]["state"] == "shelved_offloaded"
    apply(notification("instance.unshelve.end", 4, host="h2", node="h2"))
    assert _hosts(graph) == ["h2"]


def test_a_hint_within_the_margin_does_not_undo_a_move(apply, graph):
    apply(notification("instance.live_migration_post_dest.end", 2, host="dst"))
    # Read from the database before the move, sent after it, by a clock running ahead.
    apply(notification("instance.lock", 6.9, host="src"))
    assert _hosts(graph) == ["dst"]


def test_a_hint_newer_than_the_margin_heals_a_missed_move(apply, graph):
    apply(notification("instance.create.end", 1, host="h1", node="h1"))
    # The resize to h2 and its confirmation were missed (a broker restart); the next hint,
    # sent from h2 more than the margin (5 s) later, names the host it went to.
    apply(notification("instance.power_off.end", 20, host="h2", node="h2"))
    after = read_graph(graph)
    assert hosts_of(after, UUID) == ["h2"]
    assert (after["Instance"][UUID]["host"], after["Instance"][UUID]["node"]) == ("h2", "h2")
    assert after["Instance"][UUID]["authoritative_host"] == "h1"
    assert "h1" not in after["ComputeNode"], "an undescribed host left empty goes"
    # A move seen again is authoritative once more.
    apply(notification("instance.resize_confirm.end", 30, host="h3", node="h3"))
    assert _hosts(graph) == ["h3"]


def test_rebuild_after_evacuation_does_not_move_the_instance(apply, graph):
    apply(notification("instance.create.end", 1, host="h1"))
    apply(notification("instance.evacuate", 2, host="h1"))
    apply(notification("instance.update", 3, host="h2"))
    apply(notification("instance.rebuild.end", 4, host="h1"))
    assert _hosts(graph) == ["h2"]


def test_moves_applied_in_reverse_end_the_same(apply, graph):
    stream = [
        notification("instance.create.end", 1, host="h1"),
        notification("instance.resize_finish.end", 2, host="h2"),
        notification("instance.resize_confirm.end", 3, host="h2"),
        notification("instance.live_migration_post_dest.end", 4, host="h3"),
        notification("instance.live_migration_post.end", 5, host="h2"),
    ]
    for envelope in reversed(stream):
        apply(envelope)
    assert _hosts(graph) == ["h3"]
