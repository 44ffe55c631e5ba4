"""Planning: a batch folds into the newest facts per key, resolved against the stored graph."""

from hypothesis import given
from hypothesis import strategies as st

from cdm_graph import statements
from cdm_graph.families import decode
from cdm_graph.families.base import Action, HostEvidence, listed
from cdm_graph.families.instance import InstanceEvent, StoredInstance
from cdm_graph.plan.batch import BatchFold, resolve
from cdm_graph.plan.clock import Precedence, Stamp
from cdm_graph.schema.instance import INSTANCE
from cdm_graph.schema.instance import STATE_FIELDS as INSTANCE_STATE
from cdm_graph.transport.envelope import from_record, to_record
from tests.nova import at, notification
from tests.plans import InstanceStore, stored_graph

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"
EVENTS = [
    decode(notification("instance.create.end", 1, host="h1", message_id="m1")),
    decode(notification("instance.power_off.end", 2, host="h1", message_id="m2")),
    # A tie: the greater message id wins, wherever it arrives.
    decode(notification("instance.update", 2, host="h1", message_id="m3", display_name="b")),
    decode(notification("instance.live_migration_post_dest.end", 3, host="h2")),
    decode(notification("instance.lock", 4, host="h1")),
    decode(notification("instance.delete.end", 0.5)),
    decode(notification("service.update", 2, host="h2", message_id="s1")),
    decode(notification("service.update", 2, host="h2", message_id="s2", disabled=True)),
    decode(notification("service.delete", 6, host="h3")),
]
EMPTY = stored_graph({}, {})


def _writes(events, stored=EMPTY):
    writes = resolve(BatchFold.of(events), stored).writes
    return {s.name.removeprefix("batch/"): s.parameters for s in writes.statements}


def _notified(time: float, message_id: str = "m") -> Stamp:
    return Stamp.at(at(time), Precedence.NOTIFIED, message_id)


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
    [placement] = [e for e in EVENTS if e.event_type == "instance.live_migration_post_dest.end"]
    assert _writes(EVENTS)["instance/host"]["rows"] == [
        {"uuid": UUID, "hostname": "h2", **placement.stamp.columns("since")}
    ]


def test_an_instance_state_names_every_property_upsert_instances_writes():
    text = statements.load("batch/instance/upsert")
    written = {line.split("=")[0].strip().removeprefix("SET ") for line in text.splitlines()
               if line.strip().startswith(("SET i.", "i."))}
    assert written == {f"i.{key}" for key in INSTANCE.stored_names}


def test_a_stored_newer_event_is_not_overwritten():
    stored_state = dict.fromkeys(INSTANCE_STATE)
    stored_state.update(event_time=_notified(10), last_event="instance.update")
    stored = stored_graph({UUID: StoredInstance(stored_state)}, {})
    writes = _writes([decode(notification("instance.power_off.end", 5, host=None))], stored)
    assert "instance/upsert" not in writes


def test_a_stored_deletion_keeps_older_events_out():
    deleted = Stamp.at(at(10), Precedence.DELETED, "d")
    stored = stored_graph({UUID: StoredInstance({}, deleted_at=deleted)}, {})
    writes = _writes([decode(notification("instance.create.end", 5))], stored)
    assert writes == {"instance/remove": {"keys": [UUID]}}


def test_a_deleted_compute_node_releases_the_instances_placed_before_its_deletion():
    stored = stored_graph(
        {}, {}, {"h3": [("early", _notified(1)), ("late", _notified(9))]}
    )
    deletion = decode(notification("service.delete", 6, host="h3"))
    writes = _writes([deletion], stored)
    assert writes["instance/unhost"] == {"keys": ["early"]}
    assert writes["compute_node/tombstone"] == {
        "rows": [{"hostname": "h3", **deletion.stamp.columns("deleted_at")}]
    }


def test_locks_take_hosts_then_instances_in_sorted_order():
    locks = BatchFold.of(EVENTS).locks()
    assert [s.name for s in locks] == ["batch/compute_node/lock", "batch/instance/lock"]
    assert locks[0].parameters["keys"] == ["h1", "h2", "h3"]


# --------------------------------------------------------------------------- ties


def _name_after(*events, stored_first=()):
    """The instance's name once ``stored_first`` was applied, then ``events`` in one batch."""
    store = InstanceStore()
    if stored_first:
        store.apply(stored_first)
    store.apply(events)
    return store.instances.get(UUID, {}).get("name")


def test_of_two_updates_at_one_time_the_greater_message_id_wins_in_any_order():
    a = decode(notification("instance.update", 1, message_id="a", display_name="from-a"))
    b = decode(notification("instance.update", 1, message_id="b", display_name="from-b"))
    assert _name_after(a, b) == _name_after(b, a) == "from-b"
    assert _name_after(a, stored_first=[b]) == _name_after(b, stored_first=[a]) == "from-b"


def test_a_deletion_wins_a_tie_with_an_update_in_any_order():
    update = decode(notification("instance.update", 1, message_id="z"))
    deletion = decode(notification("instance.delete.end", 1, message_id="a"))
    assert _name_after(update, deletion) is None
    assert _name_after(update, stored_first=[deletion]) is None
    assert _name_after(deletion, stored_first=[update]) is None


def test_a_notification_wins_a_tie_with_a_listing_in_any_order():
    notified = decode(notification("instance.update", 1, display_name="notified"))
    described = dict(notified.properties, name="listed")
    reconciled = InstanceEvent(
        "reconcile", listed(at(1), Action.UPSERT), UUID, Action.UPSERT,
        HostEvidence.AUTHORITATIVE, "h1", None, described,
    )
    assert _name_after(notified, reconciled) == "notified"
    assert _name_after(notified, stored_first=[reconciled]) == "notified"
    assert _name_after(reconciled, stored_first=[notified]) == "notified"
    gone = InstanceEvent(
        "reconcile", listed(at(1), Action.DELETE), UUID, Action.DELETE, HostEvidence.STALE
    )
    assert _name_after(gone, stored_first=[notified]) == "notified"


def test_a_message_without_message_id_is_ordered_by_a_digest_of_itself():
    envelope = notification("instance.update", 1)
    same = notification("instance.update", 1)
    other = notification("instance.update", 1, display_name="other")
    assert decode(envelope).stamp == decode(same).stamp
    assert decode(envelope).stamp.id.startswith("sha256:")
    assert decode(envelope).stamp.id != decode(other).stamp.id
    assert decode(notification("instance.update", 1, message_id="m")).stamp.id == "m"
    # Read again from a captured file or the dead-letter store, it has the same digest.
    assert from_record(to_record(envelope)).identity == envelope.identity


def test_a_clock_stored_before_stamps_had_ranks_loses_a_tie_to_any_notification():
    legacy = Stamp.stored([_notified(1).us, None, None])
    assert legacy == Stamp(_notified(1).us, 0, "")
    stored_state = dict.fromkeys(INSTANCE_STATE)
    stored_state.update(event_time=legacy, last_event="instance.update")
    stored = stored_graph({UUID: StoredInstance(stored_state)}, {})
    writes = _writes([decode(notification("instance.power_off.end", 1, host=None))], stored)
    assert "instance/upsert" in writes
