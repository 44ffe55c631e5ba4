"""Statements run in one round trip: ``statements.in_sequence``, its parameters, and the
columns of the statements that return rows."""

from __future__ import annotations

import pytest

from cdm_graph import statements
from cdm_graph.families import FAMILIES

FIRST = "// takes the hosts\nUNWIND $keys AS hostname\nMERGE (c:ComputeNode {hostname: hostname})"
SECOND = "UNWIND $keys AS uuid\nMATCH (i:Instance {uuid: uuid})\nSET i.since = $since"
READ = (
    "// reads the instances\nUNWIND $keys AS uuid\nMATCH (i:Instance {uuid: uuid})\n"
    "RETURN uuid, i.host AS host"
)


def test_statements_in_sequence_are_unit_subqueries_in_their_order_without_headers():
    assert statements.in_sequence((FIRST, SECOND)) == (
        "CYPHER replan=skip\n"
        "CALL () {\nUNWIND $s0.keys AS hostname\nMERGE (c:ComputeNode {hostname: hostname})\n}\n"
        "CALL () {\nUNWIND $s1.keys AS uuid\nMATCH (i:Instance {uuid: uuid})\n"
        "SET i.since = $s1.since\n}"
    )


def test_a_reading_statement_in_sequence_returns_its_rows_as_one_list_after_the_others():
    assert statements.in_sequence((FIRST,), (READ,)) == (
        "CYPHER replan=skip\n"
        "CALL () {\nUNWIND $s0.keys AS hostname\nMERGE (c:ComputeNode {hostname: hostname})\n}\n"
        "CALL () {\nCALL () {\nUNWIND $s1.keys AS uuid\nMATCH (i:Instance {uuid: uuid})\n"
        "RETURN uuid, i.host AS host\n}\nRETURN collect([uuid, host]) AS s1_rows\n}\n"
        "RETURN s1_rows"
    )


def test_parameters_in_sequence_are_one_map_per_statement_named_by_its_position():
    assert statements.in_sequence_parameters([{"keys": ["h1"]}, {"keys": ["u"], "since": 3}]) == {
        "s0": {"keys": ["h1"]}, "s1": {"keys": ["u"], "since": 3},
    }


def test_columns_are_the_names_of_the_last_return_outside_brackets():
    statement = (
        "UNWIND $keys AS uuid\nMATCH (i:Instance {uuid: uuid})\n"
        "RETURN DISTINCT uuid, [i.a, i.b] AS pair, coalesce(i.c, 0) AS c,\n"
        "       COLLECT { MATCH (m {instance: uuid}) RETURN m.group } AS waiting\n"
        "ORDER BY uuid LIMIT 10"
    )
    assert statements.columns(statement) == ("uuid", "pair", "c", "waiting")


def test_a_returned_expression_without_a_name_has_no_column():
    with pytest.raises(ValueError, match="needs a name"):
        statements.columns("MATCH (i:Instance) RETURN i.uuid")


def test_a_statement_that_returns_nothing_has_no_columns():
    with pytest.raises(ValueError, match="returns nothing"):
        statements.columns(SECOND)


@pytest.mark.parametrize("family", [family.name for family in FAMILIES])
def test_every_read_statement_of_a_family_names_its_columns(family):
    reads = [name for name in statements.names(f"batch/{family}")
             if not statements.writes(name) and not statements.is_schema(name)]
    assert reads
    for name in reads:
        assert statements.columns(statements.load(name)), name


def test_a_statement_that_unwinds_its_keys_first_is_known_to_read_nothing_without_keys():
    assert statements.unwinds_keys("batch/instance/read")
    assert statements.unwinds_keys("batch/server_group/named_members")
    assert not statements.unwinds_keys("reconcile/listed_instances")
