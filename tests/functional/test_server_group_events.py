"""Server group events, from Nova's own samples, against the real Neo4j: the group, its
tombstone, and HAS_MEMBER edges to its members that are live instances, in either order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import tenacity

from cdm_graph.apply import writer as writer_module
from cdm_graph.apply.pipeline import decode_batch
from cdm_graph.families.instance import InstanceFamily
from cdm_graph.families.server_group import ServerGroupFamily
from cdm_graph.gateway import retrying
from cdm_graph.replay import replay
from cdm_graph.transport.samples import load_sample
from tests.graphs import read_graph
from tests.nova import notification, sample_file

pytestmark = pytest.mark.functional

RUN_BATCH = writer_module.run_batch
GROUP = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"
# The member server_group-add_member.json names.
MEMBER = "54238a20-f9be-47a7-897e-d7cb0e4c03d0"
OTHER = "178b0921-8f85-4257-88b6-2e743b5a975c"


def _replayed(writer, event_type, start):
    outcome = replay(writer, [sample_file(event_type)], start)
    assert (outcome.rejected, sum(outcome.applied.values())) == ([], 1)
    return outcome


def _members(graph):
    return read_graph(graph)["ServerGroup"][GROUP]["has_member"]


def test_nova_s_server_group_samples_replay_into_the_group_its_members_and_its_tombstone(
    writer, graph
):
    data = load_sample(sample_file("server_group.create"))["payload"]["nova_object.data"]
    _replayed(writer, "server_group.create", datetime(2026, 1, 1, 9))
    group = read_graph(graph)["ServerGroup"][GROUP]
    assert group["name"] == data["name"]
    assert (group["project_id"], group["user_id"]) == (data["project_id"], data["user_id"])
    assert group["policy"] == "anti-affinity"
    assert group["rules"] == ["max_server_per_host=3"]
    assert (group["members"], group["has_member"]) == ([], [])
    assert group["last_event"] == "server_group.create"

    _replayed(writer, "server_group.add_member", datetime(2026, 1, 1, 10))
    after = read_graph(graph)
    # Named, but no instance of the graph yet: a pair waits for it, no edge.
    assert after["ServerGroup"][GROUP]["members"] == [MEMBER]
    assert after["ServerGroup"][GROUP]["has_member"] == []
    assert list(after["ServerGroupMember"]) == [f"{GROUP} {MEMBER}"]

    _replayed(writer, "server_group.delete", datetime(2026, 1, 1, 11))
    after = read_graph(graph)
    assert after["ServerGroup"] == after["ServerGroupMember"] == {}
    assert list(after["ServerGroupTombstone"]) == [GROUP]


def test_a_member_named_before_its_instance_is_linked_when_the_instance_appears(apply, graph):
    apply(notification("server_group.add_member", 1, members=[MEMBER]))
    apply(notification("instance.create.end", 2, uuid=MEMBER))
    assert _members(graph) == [MEMBER]


def test_a_group_the_look_before_locking_missed_is_locked_when_the_batch_starts_again(
    apply, graph, monkeypatch
):
    """The groups waiting for an instance are read before any lock and again under lock:
    should a group name it in between (here: the look sees none), the batch starts again
    with that group locked, and links it."""
    apply(notification("server_group.add_member", 1, members=[MEMBER]))
    named_keys = InstanceFamily.named_keys

    def look_missing_groups(self, keys, folds):
        return named_keys(self, keys, folds).then(
            lambda named: {name: keys for name, keys in named.items()
                           if name != ServerGroupFamily.name}
        )

    monkeypatch.setattr(InstanceFamily, "named_keys", look_missing_groups)
    runs = []

    def counted_run_batch(*args):
        runs.append(args)
        return RUN_BATCH(*args)

    monkeypatch.setattr(writer_module, "run_batch", counted_run_batch)
    apply(notification("instance.create.end", 2, uuid=MEMBER))
    assert len(runs) == 2
    assert _members(graph) == [MEMBER]


def test_an_instance_before_the_group_naming_it_is_linked_by_the_group(apply, graph):
    apply(notification("instance.create.end", 1, uuid=MEMBER))
    apply(notification("server_group.add_member", 2, members=[MEMBER]))
    assert _members(graph) == [MEMBER]


def test_a_group_and_its_member_s_instance_in_one_batch_are_linked(apply, graph):
    apply(
        notification("instance.create.end", 2, uuid=MEMBER),
        notification("server_group.add_member", 1, members=[MEMBER, OTHER]),
    )
    assert _members(graph) == [MEMBER]


def test_a_deleted_instance_leaves_its_groups_and_a_newer_event_brings_it_back(apply, graph):
    apply(notification("instance.create.end", 1, uuid=MEMBER))
    apply(notification("server_group.add_member", 2, members=[MEMBER]))
    apply(notification("instance.soft_delete.end", 3, uuid=MEMBER))
    after = read_graph(graph)
    assert after["ServerGroup"][GROUP]["has_member"] == []
    # Nova sends no remove-member event: the group still names it.
    assert after["ServerGroup"][GROUP]["members"] == [MEMBER]
    apply(notification("instance.restore.end", 4, uuid=MEMBER))
    assert _members(graph) == [MEMBER]


def test_deleting_a_member_reads_no_other_member_of_its_groups_before_locking(
    apply, graph, statements_run
):
    # The group is locked for the deleted instance's edge alone: its other members are
    # neither read nor locked.
    apply(notification("instance.create.end", 1, uuid=MEMBER))
    apply(notification("instance.create.end", 1, uuid=OTHER))
    apply(notification("server_group.add_member", 2, members=[MEMBER, OTHER]))
    statements_run.clear()
    apply(notification("instance.delete.end", 3, uuid=MEMBER))
    assert "batch/server_group/named_members" not in statements_run
    assert _members(graph) == [OTHER]


def test_a_deleted_group_takes_its_edges_and_leaves_its_instances(apply, graph):
    apply(notification("instance.create.end", 1, uuid=MEMBER))
    apply(notification("server_group.add_member", 2, members=[MEMBER]))
    apply(notification("server_group.delete", 3))
    after = read_graph(graph)
    assert after["ServerGroup"] == after["ServerGroupMember"] == {}
    assert GROUP in after["ServerGroupTombstone"]
    assert MEMBER in after["Instance"]


def test_events_older_than_the_group_s_deletion_change_nothing(apply, graph):
    apply(notification("instance.create.end", 1, uuid=MEMBER))
    apply(notification("server_group.delete", 5))
    before = read_graph(graph)
    apply(notification("server_group.create", 3))
    apply(notification("server_group.add_member", 4, members=[MEMBER]))
    assert read_graph(graph) == before
    assert before["ServerGroup"] == {}


def test_a_newer_list_without_a_member_unlinks_it(apply, graph):
    apply(notification("instance.create.end", 1, uuid=MEMBER))
    apply(notification("instance.create.end", 1, uuid=OTHER))
    apply(notification("server_group.add_member", 2, members=[MEMBER, OTHER]))
    apply(notification("server_group.add_member", 3, members=[OTHER]))
    after = read_graph(graph)
    assert after["ServerGroup"][GROUP]["has_member"] == [OTHER]
    assert list(after["ServerGroupMember"]) == [f"{GROUP} {OTHER}"]


def test_concurrent_batches_of_instances_and_their_groups_need_no_retry(writer, graph):
    """Two writers, one creating and deleting instances, the other naming them in groups,
    on the same elements at once: every lock is taken in one order, so neither waits for
    the other in a cycle (a deadlock would show as a transaction run twice)."""
    groups = [f"00000000-0000-0000-0000-0000000000{n:02x}" for n in range(4)]
    instances = [f"00000000-0000-0000-0000-00000000{n:04x}" for n in range(16)]
    instance_batches, group_batches = [], []
    for round_ in range(20):
        instance_batches.append([
            notification(
                "instance.delete.end" if round_ % 3 == 2 else "instance.create.end",
                round_ + n / 100, uuid=uuid, host=f"h{n % 3}", message_id=f"i{round_}-{n}",
            )
            for n, uuid in enumerate(instances)
        ])
        group_batches.append([
            notification(
                "server_group.add_member", round_ + 0.5, uuid=group,
                members=instances[g::2][: round_ % 8 + 1], message_id=f"g{round_}-{g}",
            )
            for g, group in enumerate(groups)
        ])
    runs = []
    retry = retrying(stop=tenacity.stop_after_delay(60))
    counting = writer.with_retry(retry, lambda: runs.append(1))

    def apply_all(batches):
        for batch in batches:
            decoded, _ = decode_batch(batch)
            counting.apply_batch([event for _, event in decoded])

    threads = [threading.Thread(target=apply_all, args=(b,))
               for b in (instance_batches, group_batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runs == []
    # Each group links exactly its members that are instances of the graph.
    after = read_graph(graph)
    for group in after["ServerGroup"].values():
        assert group["has_member"] == [m for m in group["members"] if m in after["Instance"]]


def test_a_group_s_tombstone_expires_after_the_time_to_live(apply, writer, graph):
    apply(notification("server_group.delete", datetime(2020, 1, 1)))
    recently = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    apply(notification("server_group.delete", recently, uuid=OTHER))
    assert writer.expire_tombstones(ttl=timedelta(days=1)) == 1
    assert list(read_graph(graph)["ServerGroupTombstone"]) == [OTHER]
