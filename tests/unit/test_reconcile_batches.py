"""A listing is written in batches that lock disjoint compute nodes, so that several can be
written at once without waiting for each other (``cdm_graph.reconcile.host_aligned``)."""

from __future__ import annotations

from cdm_graph.families.base import Action, Event, HostEvidence, listed
from cdm_graph.families.compute_node import ComputeNodeEvent
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.reconcile import RECONCILE, host_aligned
from tests.nova import at

LISTED = listed(at(10), Action.UPSERT)


def _server(number: int, host: str | None) -> InstanceEvent:
    return InstanceEvent(
        event_type=RECONCILE,
        stamp=LISTED,
        uuid=f"00000000-0000-4000-8000-{number:012d}",
        action=Action.UPSERT,
        host_evidence=HostEvidence.AUTHORITATIVE,
        host=host,
        node=host,
        properties={},
    )


def _servers_on(hosts: int, per_host: int) -> list[Event]:
    # Listed as the API lists them: newest first, their hosts interleaved.
    return [
        _server(number * hosts + host, f"compute-{host:03d}")
        for number in range(per_host)
        for host in range(hosts)
    ]


def _hosts(batch: list[Event]) -> set[str]:
    return {event.host for event in batch if isinstance(event, InstanceEvent) and event.host}


def test_the_instances_of_one_host_are_never_split_between_batches():
    batches = list(host_aligned(_servers_on(hosts=7, per_host=3), 4))
    for number, batch in enumerate(batches):
        for other in batches[number + 1 :]:
            assert not _hosts(batch) & _hosts(other)


def test_every_event_is_written_once():
    events = _servers_on(hosts=7, per_host=3)
    batches = list(host_aligned(events, 4))
    assert sorted(event.key for batch in batches for event in batch) == sorted(
        event.key for event in events
    )


def test_a_batch_ends_at_the_first_host_boundary_past_its_size():
    batches = list(host_aligned(_servers_on(hosts=7, per_host=3), 4))
    # Two hosts' three instances each reach 4; the last batch holds what is left.
    assert [len(batch) for batch in batches] == [6, 6, 6, 3]


def test_instances_without_a_host_are_batched_by_count_not_together():
    events = [_server(number, None) for number in range(10)]
    assert [len(batch) for batch in host_aligned(events, 4)] == [4, 4, 2]


def test_compute_nodes_are_batched_by_count():
    events = [
        ComputeNodeEvent(RECONCILE, LISTED, f"compute-{number:03d}", Action.UPSERT, {})
        for number in range(5)
    ]
    assert [len(batch) for batch in host_aligned(events, 2)] == [2, 2, 1]


def test_a_host_with_more_instances_than_a_batch_is_one_batch():
    events = [_server(number, "compute-000") for number in range(5)] + [
        _server(5, "compute-001")
    ]
    assert [len(batch) for batch in host_aligned(events, 2)] == [5, 1]


def test_deletions_of_instances_and_compute_nodes_are_batched_by_count():
    gone = listed(at(10), Action.DELETE)
    events: list[Event] = [
        InstanceEvent(RECONCILE, gone, f"00000000-0000-4000-8000-{number:012d}", Action.DELETE,
                      HostEvidence.STALE)
        for number in range(3)
    ] + [ComputeNodeEvent(RECONCILE, gone, f"compute-{number:03d}", Action.DELETE)
         for number in range(2)]  # fmt: skip
    batches = list(host_aligned(events, 2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(event.key for batch in batches for event in batch) == sorted(
        event.key for event in events
    )


def test_a_listing_smaller_than_a_batch_is_one_batch():
    assert [len(batch) for batch in host_aligned(_servers_on(hosts=2, per_host=2), 2000)] == [4]
