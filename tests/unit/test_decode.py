"""Decoding Nova payloads into typed events, and refusing what cannot be trusted."""

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdm_graph.decode import CLOSER_LOOK, Fields, fast_reader, plain_type
from cdm_graph.families import decode
from cdm_graph.families.base import Action, HostEvidence
from cdm_graph.families.compute_node import ComputeNodeEvent
from cdm_graph.families.instance import InstanceEvent
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.schema import Form, Kind
from cdm_graph.schema.instance import instance_disk_gb
from cdm_graph.transport.envelope import Rejected, Skipped, parse_event_time
from tests.nova import at, notification

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


@pytest.mark.parametrize(
    "event_type",
    sorted(e for e, rule in NOTIFICATION_MAPPING.items() if rule.action is not Action.SKIP),
)
def test_every_sample_of_the_table_decodes(event_type):
    event = decode(notification(event_type))
    assert event.event_type == event_type
    assert event.time == at(0)


def test_instance_fields_come_from_the_payload_and_its_flavor():
    event = decode(notification("instance.create.end"))
    assert isinstance(event, InstanceEvent)
    assert event.uuid == UUID
    assert (event.host, event.node) == ("compute", "fake-mini")
    assert event.host_evidence is HostEvidence.AUTHORITATIVE
    props = event.properties
    assert props["name"] == "some-server"
    assert props["state"] == "active"
    assert props["power_state"] == "running"
    assert props["project_id"] == "6f70656e737461636b20342065766572"
    assert props["vcpus"] == 1
    assert props["memory_mb"] == 512
    assert props["flavor_name"] == "test_flavor"
    assert props["locked"] is False
    assert props["created_at"] == datetime(2012, 10, 29, 13, 42, 11, tzinfo=UTC)
    assert props["task_state"] is None


def test_image_backed_disk_counts_root_ephemeral_and_swap():
    assert instance_disk_gb("img", root_gb=10, ephemeral_gb=5, swap_mb=1500) == 17


def test_volume_backed_root_disk_does_not_count():
    event = decode(
        notification(
            "instance.create.end", image_uuid="", flavor={"root_gb": 20, "ephemeral_gb": 1}
        )
    )
    assert event.properties["disk_gb"] == 1
    assert event.properties["image_uuid"] is None


def test_metadata_and_extra_specs_become_key_value_lists():
    event = decode(notification("instance.update", metadata={"tier": "gold", "app": "db"}))
    assert event.properties["metadata"] == ["app=db", "tier=gold"]
    assert event.properties["extra_specs"] == ["hw:watchdog_action=disabled"]


def test_shelve_offload_carries_a_null_authoritative_host():
    event = decode(notification("instance.shelve_offload.end"))
    assert event.host is None
    assert event.host_evidence is HostEvidence.AUTHORITATIVE


def test_deletion_is_an_instance_delete():
    event = decode(notification("instance.delete.end"))
    assert event.action is Action.DELETE


def test_oldest_payload_version_without_later_fields_decodes():
    envelope = notification("instance.power_on.end")
    data = envelope.payload["nova_object.data"]
    for later_field in ("locked", "updated_at", "locked_reason", "request_id", "shares",
                        "action_initiator_user", "block_devices", "key_name"):
        data.pop(later_field, None)
    envelope.payload["nova_object.version"] = "1.0"
    event = decode(envelope)
    assert event.properties["locked"] is None


def test_instance_update_payload_version_two_decodes():
    envelope = notification("instance.update")
    assert envelope.payload["nova_object.version"].startswith("2.")
    assert decode(envelope).uuid == UUID


def test_unknown_fields_are_ignored():
    envelope = notification("instance.pause.end", a_field_from_the_future={"x": 1})
    assert decode(envelope).uuid == UUID


def test_service_update_describes_the_compute_node():
    event = decode(notification("service.update", disabled=True, disabled_reason="maint"))
    assert isinstance(event, ComputeNodeEvent)
    assert event.hostname == "host1"
    assert event.properties["status"] == "disabled"
    assert event.properties["state"] == "up"
    assert event.properties["disabled_reason"] == "maint"


def test_forced_down_service_is_down():
    event = decode(notification("service.update", forced_down=True))
    assert event.properties["state"] == "down"


@pytest.mark.parametrize("binary", ["nova-conductor", "nova-scheduler", "nova-api"])
def test_services_other_than_nova_compute_are_skipped(binary):
    with pytest.raises(Skipped, match="not a compute node"):
        decode(notification("service.update", binary=binary))


def test_event_types_outside_the_table_are_skipped():
    with pytest.raises(Skipped, match="does not change the graph"):
        decode(notification("instance.live_migration_post.end"))


def test_payload_without_nova_object_data_is_rejected():
    envelope = notification("instance.create.end")
    del envelope.payload["nova_object.data"]
    with pytest.raises(Rejected, match=re.escape("no nova_object.data")):
        decode(envelope)


def test_payload_that_is_not_an_object_is_rejected():
    envelope = notification("instance.create.end")
    with pytest.raises(Rejected, match="payload must be an object"):
        decode(type(envelope)(envelope.event_type, "garbage", envelope.time))


def test_unknown_major_version_is_rejected():
    envelope = notification("instance.create.end")
    envelope.payload["nova_object.version"] = "3.0"
    with pytest.raises(Rejected, match=re.escape("unknown major version 3.0")):
        decode(envelope)


def test_wrong_field_type_is_rejected_naming_the_field():
    with pytest.raises(Rejected, match=re.escape("'flavor.vcpus' must be int, got str")):
        decode(notification("instance.create.end", flavor={"vcpus": "two"}))


def test_boolean_where_a_number_is_expected_is_rejected():
    with pytest.raises(Rejected, match=re.escape("'flavor.memory_mb' must be int, got bool")):
        decode(notification("instance.create.end", flavor={"memory_mb": True}))


def test_missing_instance_uuid_is_rejected():
    with pytest.raises(Rejected, match="'uuid' is missing"):
        decode(notification("instance.create.end", uuid=None))


def test_oslo_timestamps_parse_with_and_without_microseconds():
    assert parse_event_time("2026-11-25 09:00:01.000250") == datetime(2026, 11, 25, 9, 0, 1, 250)
    assert parse_event_time("2026-11-25 09:00:01") == datetime(2026, 11, 25, 9, 0, 1)


def test_unparseable_timestamp_is_rejected():
    with pytest.raises(Rejected, match="not an ISO date"):
        parse_event_time("yesterday")


# --------------------------------------------------------------------------- keys and sizes
# Nova's own samples, mutated: each refusal names its field. The limits are the schema's
# (Nova's column sizes), so that decoding derives them.

LONG = "x" * 256


@pytest.mark.parametrize(
    ("event_type", "data", "reason"),
    [
        ("instance.create.end", {"uuid": ""}, "field 'uuid' must be a UUID, got ''"),
        ("instance.update", {"uuid": "i-1"}, "field 'uuid' must be a UUID, got 'i-1'"),
        ("instance.update", {"uuid": UUID + "0"}, "field 'uuid' is longer than 36 characters (37)"),
        ("instance.update", {"uuid": UUID.replace("-", "")}, "field 'uuid' must be a UUID"),
        ("instance.update", {"uuid": UUID.upper()}, "field 'uuid' must be a UUID"),
        ("instance.create.end", {"host": ""}, "field 'host' must not be empty"),
        ("instance.pause.end", {"host": "comp\nute"}, "field 'host' has a control character"),
        ("instance.pause.end", {"host": "compute\x00"}, "field 'host' has a control character"),
        ("instance.update", {"host": LONG}, "field 'host' is longer than 255 characters (256)"),
        ("instance.create.end", {"node": ""}, "field 'node' must not be empty"),
        ("instance.update", {"node": "fake\tmini"}, "field 'node' has a control character"),
        ("service.update", {"host": ""}, "field 'host' must not be empty"),
        ("service.create", {"host": "host1\r"}, "field 'host' has a control character"),
        ("service.update", {"host": LONG}, "field 'host' is longer than 255 characters (256)"),
        ("service.update", {"disabled_reason": LONG},
         "field 'disabled_reason' is longer than 255 characters (256)"),
        ("instance.update", {"display_name": LONG},
         "field 'display_name' is longer than 255 characters (256)"),
        ("instance.create.end", {"metadata": {"tier": LONG}},
         "field 'metadata.tier' is longer than 255 characters (256)"),
        ("instance.create.end", {"metadata": {LONG: "gold"}},
         "field 'metadata' has a key longer than 255 characters (256)"),
        ("instance.update", {"flavor": {"extra_specs": {"hw:cpu_policy": LONG}}},
         "field 'flavor.extra_specs.hw:cpu_policy' is longer than 255 characters (256)"),
        ("instance.update", {"flavor": {"name": LONG}},
         "field 'flavor.name' is longer than 255 characters (256)"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_a_bad_key_or_an_oversized_text_is_refused_naming_its_field(event_type, data, reason):
    flavor = data.pop("flavor", None)
    envelope = notification(event_type, **data)
    if flavor is not None:  # notification() updates the flavor's data, extra_specs whole
        envelope.payload["nova_object.data"]["flavor"]["nova_object.data"].update(flavor)
    with pytest.raises(Rejected, match=re.escape(reason)):
        decode(envelope)


def _flavor_replaced(flavor):
    envelope = notification("instance.update")
    envelope.payload["nova_object.data"]["flavor"] = flavor
    return envelope


# Each refusal quotes its field's whole path, as an operator would look it up in the payload.
QUOTED = {
    "field 'metadata.tier' must be str, got int":
        lambda: notification("instance.update", metadata={"tier": 3}),
    "field 'flavor.extra_specs.hw:cpu_policy' must be str, got NoneType":
        lambda: notification("instance.update", flavor={"extra_specs": {"hw:cpu_policy": None}}),
    "field 'created_at' is not a date: 'yesterday'":
        lambda: notification("instance.update", created_at="yesterday"),
    "field 'flavor' has no nova_object.data object":
        lambda: _flavor_replaced({"nova_object.data": "m1.small"}),
}


@pytest.mark.parametrize("reason", sorted(QUOTED))
def test_a_refusal_quotes_the_whole_path_of_its_field(reason):
    with pytest.raises(Rejected, match=re.escape(reason)):
        decode(QUOTED[reason]())


@pytest.mark.parametrize(
    "data",
    [
        {"host": None, "node": None},  # not scheduled yet: no host is no error
        {"display_name": "x" * 255, "metadata": {"k" * 255: "v" * 255}},
        {"display_name": "serveur\u00e9t\u00e9 \u2603"},  # not a control character
    ],
)
def test_keys_and_texts_within_nova_limits_decode(data):
    event = decode(notification("instance.update", **data))
    assert event.uuid == data.get("uuid", UUID)


def test_a_compute_node_hostname_within_limits_decodes():
    event = decode(notification("service.update", host="h" * 255))
    assert event.key == "h" * 255


def test_the_limits_are_nova_column_sizes_declared_in_the_schema():
    from cdm_graph.schema import Form
    from cdm_graph.schema.compute_node import COMPUTE_NODE
    from cdm_graph.schema.instance import INSTANCE

    assert (INSTANCE.key_source.max_length, INSTANCE.key_source.form) == (36, Form.UUID)
    assert (COMPUTE_NODE.key_source.max_length, COMPUTE_NODE.key_source.form) == (255, Form.NAME)
    assert {INSTANCE[name].form for name in ("host", "node")} == {Form.NAME}
    for name in ("name", "metadata", "extra_specs", "flavor_name", "host", "node"):
        assert INSTANCE[name].max_length == 255


# --------------------------------------------------------------------------- fast readers
# Each field is first read by a reader that checks only the common, valid case; whatever it
# does not vouch for is read again closely (Fields.read), which gives the value or the reason.

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=6) | st.sampled_from([UUID, UUID.upper(), "", "h\x01", "x" * 7,
                                             "2012-10-29T13:42:11Z", "2012-10-29 13:42:11",
                                             "2012-10-29T13:42:11+02:00", "not a date"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=7), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=400)
@given(
    kind=st.sampled_from(list(Kind)),
    form=st.sampled_from(list(Form)),
    max_length=st.none() | st.integers(0, 8),
    present=st.booleans(),
    value=_VALUES,
)
def test_a_fast_reader_vouches_only_for_what_a_close_reading_gives(
    kind, form, max_length, present, value
):
    data = {"field": value} if present else {}
    fast = fast_reader(kind, "field", max_length, form)(data)
    try:
        close = Fields(data, "").read(kind, "field", max_length, form)
    except Rejected:
        assert fast is CLOSER_LOOK
        return
    assert fast is CLOSER_LOOK or (fast == close and type(fast) is type(close))


@settings(max_examples=400)
@given(
    kind=st.sampled_from(list(Kind)),
    form=st.sampled_from(list(Form)),
    max_length=st.none() | st.integers(0, 8),
    value=_VALUES,
)
def test_a_value_of_the_plain_type_is_what_the_fast_reader_returns(
    kind, form, max_length, value
):
    # described takes such a value (or None) without calling the field's fast reader.
    plain = plain_type(kind, form)
    if plain is None or (value is not None and type(value) is not plain):
        return
    if type(value) is str and max_length is not None and len(value) > max_length:
        return
    assert fast_reader(kind, "field", max_length, form)({"field": value}) is value
