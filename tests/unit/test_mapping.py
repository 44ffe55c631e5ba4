"""The dispatch table names the 45 event types of the spec, each with a Nova sample."""

import pytest

from cdm_graph.families.base import Action, HostEvidence
from cdm_graph.mapping import NOTIFICATION_MAPPING
from tests.nova import sample_file

BRIEF_AUTHORITATIVE = {
    "instance.create.end",
    "instance.update",
    "instance.unshelve.end",
    "instance.resize.end",
    "instance.resize_finish.end",
    "instance.resize_confirm.end",
    "instance.resize_revert.end",
    "instance.live_migration_post_dest.end",
    "instance.live_migration_rollback.end",
    "instance.shelve_offload.end",
}


def test_the_table_names_forty_five_event_types():
    assert len(NOTIFICATION_MAPPING) == 45


@pytest.mark.parametrize("event_type", sorted(NOTIFICATION_MAPPING))
def test_every_event_type_has_a_nova_sample(event_type):
    assert sample_file(event_type).is_file()


def test_only_events_carrying_the_real_host_move_hosts():
    authoritative = {
        event_type
        for event_type, rule in NOTIFICATION_MAPPING.items()
        if rule.host is HostEvidence.AUTHORITATIVE
    }
    assert authoritative == BRIEF_AUTHORITATIVE


def test_rebuild_end_never_moves_hosts():
    assert NOTIFICATION_MAPPING["instance.rebuild.end"].host is HostEvidence.STALE


@pytest.mark.parametrize("event_type", ["instance.delete.end", "instance.soft_delete.end"])
def test_deletions_remove_the_instance(event_type):
    rule = NOTIFICATION_MAPPING[event_type]
    assert (rule.family, rule.action) == ("instance", Action.DELETE)


def test_service_events_describe_compute_nodes():
    assert {
        event_type: rule.action
        for event_type, rule in NOTIFICATION_MAPPING.items()
        if rule.family == "compute_node"
    } == {
        "service.create": Action.UPSERT,
        "service.update": Action.UPSERT,
        "service.delete": Action.DELETE,
    }


def test_flavor_events_describe_and_delete_flavors_and_place_nothing():
    assert {
        event_type: (rule.action, rule.host)
        for event_type, rule in NOTIFICATION_MAPPING.items()
        if rule.family == "flavor"
    } == {
        "flavor.create": (Action.UPSERT, None),
        "flavor.update": (Action.UPSERT, None),
        "flavor.delete": (Action.DELETE, None),
    }


def test_server_group_events_describe_and_delete_groups_and_place_nothing():
    assert {
        event_type: (rule.action, rule.host)
        for event_type, rule in NOTIFICATION_MAPPING.items()
        if rule.family == "server_group"
    } == {
        "server_group.create": (Action.UPSERT, None),
        "server_group.add_member": (Action.UPSERT, None),
        "server_group.delete": (Action.DELETE, None),
    }


def test_aggregate_events_describe_or_delete_aggregates_and_image_caching_is_skipped():
    assert {
        event_type: rule.action
        for event_type, rule in NOTIFICATION_MAPPING.items()
        if rule.family == "aggregate"
    } == {
        "aggregate.create.end": Action.UPSERT,
        "aggregate.add_host.end": Action.UPSERT,
        "aggregate.remove_host.end": Action.UPSERT,
        "aggregate.update_metadata.end": Action.UPSERT,
        "aggregate.update_prop.end": Action.UPSERT,
        "aggregate.delete.end": Action.DELETE,
        "aggregate.cache_images.start": Action.SKIP,
        "aggregate.cache_images.progress": Action.SKIP,
        "aggregate.cache_images.end": Action.SKIP,
    }
    assert "images" in NOTIFICATION_MAPPING["aggregate.cache_images.end"].reason


def test_the_table_prints_every_event_type_with_its_family_and_host_evidence():
    from cdm_graph.mapping import table

    lines = table().splitlines()[1:]
    assert len(lines) == len(NOTIFICATION_MAPPING)
    row = next(line for line in lines if line.startswith("instance.rebuild.end "))
    assert row.split()[1:] == ["instance", "upsert", "stale"]
    row = next(line for line in lines if line.startswith("aggregate.cache_images.end "))
    assert row.split()[1:] == ["aggregate", "skip", "-"]
