"""Planning folds a batch into one row per key, whatever the order and repetition."""

from hypothesis import given
from hypothesis import strategies as st

from cdm_graph.events import decode
from cdm_graph.plan import plan_batch
from tests.nova import notification

EVENTS = [
    decode(notification("instance.create.end", 1, host="h1")),
    decode(notification("instance.power_off.end", 2, host="h1")),
    decode(notification("instance.live_migration_post_dest.end", 3, host="h2")),
    decode(notification("instance.lock", 4, host="h1")),
    decode(notification("instance.delete.end", 5)),
    decode(notification("service.update", 2, host="h2")),
    decode(notification("service.delete", 6, host="h3")),
]


def _statements(events):
    return [(s.name, s.parameters) for s in plan_batch(events).statements]


@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=5))
def test_order_and_repetition_do_not_change_the_plan(events, repeats):
    assert _statements(events + repeats) == _statements(EVENTS)


def test_newest_event_of_each_kind_is_kept():
    rows = dict(_statements(EVENTS))
    [placement] = rows["write/record_placements"]["rows"]
    assert placement["authoritative_host"] == "h2"
    assert placement["hinted_host"] == "h1"
    [upsert] = rows["write/upsert_instances"]["rows"]
    assert upsert["event_type"] == "instance.lock"


def test_locks_come_first_in_sorted_order():
    plan = plan_batch(EVENTS)
    assert [s.name for s in plan.statements[:2]] == [
        "write/lock_compute_nodes",
        "write/lock_instances",
    ]
    assert plan.statements[0].parameters["keys"] == ["h1", "h2", "h3"]


def test_an_empty_batch_plans_nothing():
    assert plan_batch([]).statements == []
