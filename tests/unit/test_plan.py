"""Planning: a batch folds into the newest facts per key, resolved against the stored graph."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from oslo_config import cfg

from cdm_graph import cli, config, statements
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.families import FAMILIES, decode
from cdm_graph.families.base import Action, HostEvidence, listed
from cdm_graph.families.instance import InstanceEvent, StoredInstance
from cdm_graph.plan.batch import BatchFold, lock_statements, resolve
from cdm_graph.plan.clock import GuardSettings, Precedence, Stamp
from cdm_graph.schema.instance import INSTANCE
from cdm_graph.schema.instance import STATE_FIELDS as INSTANCE_STATE
from cdm_graph.transport.envelope import from_record, to_record
from tests import reference_model
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


def _writes(events, stored=EMPTY, settings=None):
    writes = resolve(BatchFold.of(events), stored, settings=settings).writes
    return {s.name.removeprefix("batch/"): s.parameters for s in writes.statements}


def _notified(time: float, message_id: str = "m") -> Stamp:
    return Stamp.at(at(time), Precedence.NOTIFIED, message_id)


@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=5))
def test_order_and_repetition_do_not_change_the_writes(events, repeats):
    assert _writes(events + repeats) == _writes(EVENTS)


def test_newest_description_and_newest_authoritative_host_win():
    [row] = _writes(EVENTS)["instance/write"]["rows"]
    state = row["properties"]
    assert state["last_event"] == "instance.lock"
    assert (state["host"], state["authoritative_host"], state["hinted_host"]) == (
        "h2",
        "h2",
        "h1",
    )
    [placement] = [e for e in EVENTS if e.event_type == "instance.live_migration_post_dest.end"]
    assert row["hostname"] == "h2"
    assert row.items() >= placement.stamp.columns("since").items()


def test_an_instance_state_names_every_property_writing_instances_sets():
    text = statements.load("batch/instance/write")
    written = {line.split("=")[0].strip().removeprefix("SET ") for line in text.splitlines()
               if line.strip().startswith(("SET i.", "i."))}
    assert written == {f"i.{key}" for key in INSTANCE.stored_names}


def test_an_instance_placed_anew_on_its_host_keeps_its_edge_with_the_newer_stamp():
    store = InstanceStore()
    store.apply([decode(notification("instance.create.end", 1, host="h1"))])
    update = decode(notification("instance.update", 5, host="h1"))
    writes = _writes([update], stored_graph({UUID: store.stored(UUID)}, {}))
    assert "instance/unhost" not in writes
    [row] = writes["instance/write"]["rows"]
    assert row["hostname"] == "h1"
    assert row.items() >= update.stamp.columns("since").items()


def test_a_stored_newer_event_is_not_overwritten():
    stored_state = dict.fromkeys(INSTANCE_STATE)
    stored_state.update(event_time=_notified(10), last_event="instance.update")
    stored = stored_graph({UUID: StoredInstance(stored_state)}, {})
    writes = _writes([decode(notification("instance.power_off.end", 5, host=None))], stored)
    assert "instance/write" not in writes


def test_a_stored_deletion_keeps_older_events_out():
    deleted = Stamp.at(at(10), Precedence.DELETED, "d")
    stored = stored_graph({UUID: StoredInstance({}, deleted_at=deleted)}, {})
    writes = _writes([decode(notification("instance.create.end", 5))], stored)
    assert writes == {"instance/remove": {"keys": [UUID], "rows": []}}


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
    locks = [lock for lock in lock_statements(BatchFold.of(EVENTS).lock_keys())
             if lock.parameters["keys"]]
    assert [s.name for s in locks] == ["batch/compute_node/lock", "batch/instance/lock"]
    assert locks[0].parameters["keys"] == ["h1", "h2", "h3"]


def test_every_batch_locks_in_the_same_statements_whatever_its_families():
    # One text for every batch: Neo4j plans it once (a mix of its own each: 0.3-1 s each).
    service = [decode(notification("service.update", 1, host="h1"))]
    assert [lock.name for lock in lock_statements(BatchFold.of(EVENTS).lock_keys())] == [
        lock.name for lock in lock_statements(BatchFold.of(service).lock_keys())
    ] == [f"batch/{family.name}/lock" for family in FAMILIES]


def test_every_batch_writes_in_the_same_statements_whatever_it_does():
    batches = [
        EVENTS,
        [decode(notification("instance.update", 1, host="h1"))],
        [decode(notification("service.delete", 1, host="h3"))],
        [decode(notification("flavor.create", 1))],
        [],
    ]
    sequences = {
        tuple(s.name for s in resolve(BatchFold.of(events), EMPTY).writes.sequence)
        for events in batches
    }
    assert len(sequences) == 1


def test_the_writes_with_nothing_to_do_run_empty_and_are_not_among_its_statements():
    writes = resolve(BatchFold.of([decode(notification("instance.update", 1, host="h1"))]),
                     EMPTY).writes
    doing = {s.name for s in writes.statements}
    idle = [s for s in writes.sequence if s.name not in doing]
    assert "batch/instance/write" in doing
    assert idle and all(not any(s.parameters.values()) for s in idle)


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
    [row] = writes["instance/write"]["rows"]
    assert row["describe"]


# --------------------------------------------------------------------------- hint margin

MARGIN = GuardSettings(hint_margin=timedelta(seconds=5))


def _host_after(*batches, settings=MARGIN):
    store = InstanceStore(settings)
    for batch in batches:
        store.apply(batch)
    return store.instances[UUID]["host"], store.hosts.get(UUID, (None,))[0]


def test_a_hint_newer_than_the_margin_heals_a_missed_move():
    created = decode(notification("instance.create.end", 0, host="h1"))
    # The migration to h2 was missed; the next hint, 6 s later, is sent from h2.
    hint = decode(notification("instance.lock", 6, host="h2"))
    assert _host_after([created], [hint]) == ("h2", "h2")
    assert _host_after([hint], [created]) == ("h2", "h2")
    assert _host_after([created, hint]) == ("h2", "h2")


def test_a_hint_within_the_margin_does_not_undo_a_move():
    moved = decode(notification("instance.live_migration_post_dest.end", 10, host="h2"))
    # The source's clock runs ahead: its hint, read before the move, is stamped 4 s later.
    hint = decode(notification("instance.power_off.end", 14, host="h1"))
    assert _host_after([moved], [hint]) == ("h2", "h2")
    assert _host_after([hint], [moved]) == ("h2", "h2")
    on_the_margin = decode(notification("instance.power_off.end", 15, host="h1"))
    assert _host_after([moved], [on_the_margin]) == ("h2", "h2")


def test_the_margin_is_the_configured_one():
    moved = decode(notification("instance.live_migration_post_dest.end", 10, host="h2"))
    hint = decode(notification("instance.power_off.end", 14, host="h1"))
    no_margin = GuardSettings(hint_margin=timedelta(0))
    assert _host_after([moved], [hint], settings=no_margin) == ("h1", "h1")


def test_a_stale_host_never_heals_anything():
    created = decode(notification("instance.create.end", 0, host="h1"))
    stale = decode(notification("instance.rebuild.end", 60, host="h2"))
    assert _host_after([created], [stale]) == ("h1", "h1")


PLACEMENTS = [
    *(f"instance.{name}" for name in ("create.end", "update", "unshelve.end",
                                      "live_migration_post_dest.end", "resize_finish.end")),
    *(f"instance.{name}" for name in ("lock", "power_on.end", "pause.end", "suspend.end")),
    "instance.rebuild.end",
]


@st.composite
def placements(draw):
    """One instance's events over three hosts, times with ties and gaps on either side of
    the margin."""
    events, tenths = [], 0
    for index in range(draw(st.integers(1, 10))):
        tenths += draw(st.sampled_from([0, 1, 30, 49, 50, 51, 100]))
        event_type = draw(st.sampled_from(PLACEMENTS))
        host = draw(st.sampled_from(["h1", "h2", "h3"]))
        events.append(decode(notification(event_type, tenths / 10, host=host,
                                          message_id=f"m{index}")))
    return events


@given(placements(), st.randoms(use_true_random=False), st.sampled_from([0, 2, 5]))
def test_hosts_are_order_free_and_follow_the_reference_model(events, rng, seconds):
    margin = timedelta(seconds=seconds)
    shuffled = events[:]
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(len(shuffled) + 1), k=min(3, len(shuffled) + 1)))
    bounds = zip([0, *cuts], [*cuts, len(shuffled)], strict=True)
    batches = [shuffled[start:end] for start, end in bounds if start < end]
    host, hosted_by = _host_after(*batches, settings=GuardSettings(hint_margin=margin))

    authoritative = reference_model.newest(
        e for e in events if e.host_evidence is HostEvidence.AUTHORITATIVE
    )
    hint = reference_model.newest(e for e in events if e.host_evidence is HostEvidence.HINT)
    expected = reference_model.placement(authoritative, hint, margin)
    assert host == hosted_by == (expected.host if expected else None)



def test_the_hint_margin_is_an_option_of_the_graph_that_reaches_the_writer(tmp_path):
    conf = cfg.ConfigOpts()
    config.register(conf)
    conf(args=[], default_config_files=[])
    assert cli.guard_settings(conf) == GuardSettings(hint_margin=timedelta(seconds=5))
    settings_file = tmp_path / "cdm-graph.conf"
    settings_file.write_text("[graph]\nhint_margin = 0.5\n")
    conf(args=["--config-file", str(settings_file)], default_config_files=[])
    settings = cli.guard_settings(conf)
    assert settings.hint_margin_us == 500_000
    assert GraphWriter(None, settings=settings).with_retry(None).settings == settings  # type: ignore[arg-type]
