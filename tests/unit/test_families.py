"""The family registry: every event type goes to exactly one family, and nothing reaches a
family by default."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

import pytest

from cdm_graph.families import FAMILIES, REGISTRY, RegistryError, build_registry, decode
from cdm_graph.families.base import Action, Reading, Rule, Statement, read_together
from cdm_graph.families.compute_node import ComputeNodeFamily
from cdm_graph.families.instance import InstanceFamily
from cdm_graph.mapping import NOTIFICATION_MAPPING
from cdm_graph.schema.instance import INSTANCE
from cdm_graph.transport.envelope import Skipped
from tests.nova import notification


class Rogue(InstanceFamily):
    """A family claiming an event type the instance family already claims."""

    name: ClassVar[str] = "rogue"
    rules: ClassVar[Mapping[str, Rule]] = MappingProxyType(
        {"instance.lock": Rule("rogue", Action.UPSERT)}
    )


def test_an_event_type_no_family_claims_is_skipped_with_its_reason():
    envelope = notification("instance.create.end", 1)
    unknown = dataclasses.replace(envelope, event_type="aggregate.create.start")
    reason = r"'aggregate\.create\.start' does not change the graph"
    with pytest.raises(Skipped, match=reason):
        decode(unknown)


def test_two_families_claiming_one_event_type_cannot_be_registered():
    with pytest.raises(RegistryError, match=r"instance\.lock is claimed by both"):
        build_registry([ComputeNodeFamily(), InstanceFamily(), Rogue()])


def test_a_family_cannot_register_rules_of_another_family():
    class Stray(InstanceFamily):
        name: ClassVar[str] = "stray"
        rules: ClassVar[Mapping[str, Rule]] = MappingProxyType(
            {"flavor.create": Rule("instance", Action.UPSERT)}
        )

    with pytest.raises(RegistryError, match="has a rule for 'instance'"):
        build_registry([Stray()])


def test_the_registry_is_built_when_the_package_is_imported(tmp_path, monkeypatch):
    # A package registering two claimants of one event type fails as it is imported.
    (tmp_path / "doubly_claimed.py").write_text(
        "from cdm_graph.families import build_registry\n"
        "from cdm_graph.families.compute_node import ComputeNodeFamily\n"
        "from cdm_graph.families.instance import InstanceFamily\n"
        "from tests.unit.test_families import Rogue\n"
        "REGISTRY = build_registry([ComputeNodeFamily(), InstanceFamily(), Rogue()])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RegistryError):
        __import__("doubly_claimed")


def test_the_event_table_is_every_familys_rows():
    rows = {event_type for family in FAMILIES for event_type in family.rules}
    assert rows == set(NOTIFICATION_MAPPING) == set(REGISTRY.claims)


def test_each_event_decodes_to_its_familys_event():
    for event_type, rule in NOTIFICATION_MAPPING.items():
        if event_type.startswith("service.") or rule.action is Action.SKIP:
            continue  # needs a nova-compute binary, or is skipped: covered by the decode tests
        assert decode(notification(event_type, 1)).family == rule.family


def test_compute_nodes_and_flavors_are_registered_before_what_names_them():
    assert [family.name for family in FAMILIES] == [
        "compute_node", "aggregate", "flavor", "instance", "server_group"
    ]
    assert REGISTRY["instance"].schema is INSTANCE


# ------------------------------------------------------------------ readings

def test_a_reading_of_nothing_makes_its_value_without_a_statement():
    reading = Reading.nothing({"instance": ["u1"]})
    assert reading.statements == ()
    assert reading.interpret([]) == {"instance": ["u1"]}


def test_a_reading_of_one_statement_reads_its_rows():
    reading = Reading.rows("batch/instance/named", lambda rows: [row["uuid"] for row in rows],
                           keys=["u1"])
    assert reading.statements == (Statement("batch/instance/named", {"keys": ["u1"]}),)
    assert reading.interpret([[{"uuid": "u1"}]]) == ["u1"]


def test_joined_readings_each_read_their_own_statements_rows():
    first = Reading.rows("a", lambda rows: [row["k"] for row in rows])
    second = Reading.rows("b", len).join(Reading.nothing("none"), lambda n, v: (n, v))
    joined = first.join(second, lambda keys, counted: (keys, counted)).then(list)
    assert [statement.name for statement in joined.statements] == ["a", "b"]
    assert joined.interpret([[{"k": 1}, {"k": 2}], [{}, {}, {}]]) == [[1, 2], (3, "none")]


class NoRoundTrip:
    """A transaction that must not be used."""

    def run(self, *args, **kwargs):
        raise AssertionError("a round trip to Neo4j")


def test_readings_whose_statements_unwind_no_keys_read_nothing_without_a_round_trip():
    named = Reading.rows("batch/instance/named", lambda rows: [row["uuid"] for row in rows],
                         keys=[])
    deleted = Reading.rows("batch/compute_node/read_deleted", len, keys=[])
    assert read_together(NoRoundTrip(), [named, deleted, Reading.nothing("none")]) == [
        [], 0, "none"
    ]


def test_readings_are_run_when_one_statement_has_keys():
    named = Reading.rows("batch/instance/named", len, keys=[])
    deleted = Reading.rows("batch/compute_node/read_deleted", len, keys=["h1"])
    with pytest.raises(AssertionError, match="a round trip"):
        read_together(NoRoundTrip(), [named, deleted])
