"""Planning: a batch folds into the newest facts per key, resolved against the stored graph."""

from hypothesis import given
from hypothesis import strategies as st

from cdm_graph import statements
from cdm_graph.families import decode
from cdm_graph.families.instance import StoredInstance
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.plan.clock import to_us
from cdm_graph.schema.instance import INSTANCE
from cdm_graph.schema.instance import STATE_FIELDS as INSTANCE_STATE
from tests.nova import at, notification
from tests.plans import stored_graph

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"
EVENTS = [
    decode(notification("instance.create.end", 1, host="h1")),
    decode(notification("instance.power_off.end", 2, host="h1")),
    decode(notification("instance.live_migration_post_dest.end", 3, host="h2")),
    decode(notification("instance.lock", 4, host="h1")),
    decode(notification("instance.delete.end", 0.5)),
    decode(notification("service.update", 2, host="h2")),
    decode(notification("service.delete", 6, host="h3")),
]
EMPTY = stored_graph({}, {})


def _writes(events, stored=EMPTY):
    writes = resolve(BatchFold.of(events), stored).writes
    return {s.name.removeprefix("batch/"): s.parameters for s in writes.statements}


@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=5))
def test_order_and_repetition_do_not_change_the_writes(events, repeats):
    assert _writes(events + repeats) == _writes(EVENTS)


def test_newest_description_and_newest_authoritative_host_win():
    [row] = _writes(EVENTS)["instance/upsert"]["rows"]
    state = row["properties"]
    assert state["last_event"] == "instance.lock"
    assert (state["host"], state["authoritative_host"], state["hinted_host"]) == (
        "h2",
        "h2",
        "h1",
    )
    assert _writes(EVENTS)["instance/host"]["rows"] == [
        {"uuid": UUID, "hostname": "h2", "since_us": to_us(at(3))}
    ]


def test_an_instance_state_names_every_property_upsert_instances_writes():
    text = statements.load("batch/instance/upsert")
    written = {line.split("=")[0].strip().removeprefix("SET ") for line in text.splitlines()
               if line.strip().startswith(("SET i.", "i."))}
    assert written == {f"i.{key}" for key in INSTANCE.stored_names}


def test_a_stored_newer_event_is_not_overwritten():
    stored_state = dict.fromkeys(INSTANCE_STATE)
    stored_state.update(event_time=at(10), last_event="instance.update")
    stored = stored_graph({UUID: StoredInstance(stored_state)}, {})
    writes = _writes([decode(notification("instance.power_off.end", 5, host=None))], stored)
    assert "instance/upsert" not in writes


def test_a_stored_deletion_keeps_older_events_out():
    stored = stored_graph({UUID: StoredInstance({}, deleted_at=at(10))}, {})
    writes = _writes([decode(notification("instance.create.end", 5))], stored)
    assert writes == {"instance/remove": {"keys": [UUID]}}


def test_a_deleted_compute_node_releases_the_instances_placed_before_its_deletion():
    stored = stored_graph(
        {}, {}, {"h3": [("early", at(1)), ("late", at(9))]}
    )
    writes = _writes([decode(notification("service.delete", 6, host="h3"))], stored)
    assert writes["instance/unhost"] == {"keys": ["early"]}
    assert writes["compute_node/tombstone"] == {
        "rows": [{"hostname": "h3", "deleted_at_us": to_us(at(6))}]
    }


def test_locks_take_hosts_then_instances_in_sorted_order():
    locks = BatchFold.of(EVENTS).locks()
    assert [s.name for s in locks] == ["batch/compute_node/lock", "batch/instance/lock"]
    assert locks[0].parameters["keys"] == ["h1", "h2", "h3"]
