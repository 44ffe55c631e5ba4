"""Nova's samples resolve their $ref chains as the brief describes."""

from cdm_graph.transport.samples import deep_merge, load_sample
from tests.nova import sample_file


def test_ref_chain_resolves_to_the_whole_instance_payload():
    payload = load_sample(sample_file("instance.create.end"))["payload"]
    assert payload["nova_object.name"] == "InstanceCreatePayload"
    data = payload["nova_object.data"]
    assert data["uuid"] == "178b0921-8f85-4257-88b6-2e743b5a975c"
    assert data["keypairs"][0]["nova_object.data"]["name"] == "my-key"
    assert data["flavor"]["nova_object.data"]["vcpus"] == 1


def test_refs_inside_lists_resolve():
    data = load_sample(sample_file("instance.power_off.end"))["payload"]["nova_object.data"]
    assert data["ip_addresses"][0]["nova_object.data"]["address"] == "192.168.1.3"


def test_keys_beside_ref_deep_merge_over_the_referenced_payload():
    data = load_sample(sample_file("instance.resize_finish.end"))["payload"]["nova_object.data"]
    flavor = data["flavor"]["nova_object.data"]
    assert flavor["name"] == "other_flavor"
    assert flavor["memory_mb"] == 256
    assert flavor["vcpus"] == 1  # kept from FlavorPayload.json
    assert data["state"] == "resized"


def test_lists_and_scalars_replace_rather_than_merge():
    assert deep_merge({"a": [1, 2], "b": {"c": 1, "d": 2}}, {"a": [3], "b": {"c": None}}) == {
        "a": [3],
        "b": {"c": None, "d": 2},
    }
