"""Statements run in one round trip: ``statements.in_sequence`` and its parameters."""

from __future__ import annotations

from cdm_graph import statements

FIRST = "// takes the hosts\nUNWIND $keys AS hostname\nMERGE (c:ComputeNode {hostname: hostname})"
SECOND = "UNWIND $keys AS uuid\nMATCH (i:Instance {uuid: uuid})\nSET i.since = $since"


def test_statements_in_sequence_are_unit_subqueries_in_their_order_without_headers():
    assert statements.in_sequence((FIRST, SECOND)) == (
        "CALL () {\nUNWIND $s0_keys AS hostname\nMERGE (c:ComputeNode {hostname: hostname})\n}\n"
        "CALL () {\nUNWIND $s1_keys AS uuid\nMATCH (i:Instance {uuid: uuid})\n"
        "SET i.since = $s1_since\n}"
    )


def test_parameters_in_sequence_are_renamed_by_the_position_of_their_statement():
    assert statements.in_sequence_parameters([{"keys": ["h1"]}, {"keys": ["u"], "since": 3}]) == {
        "s0_keys": ["h1"], "s1_keys": ["u"], "s1_since": 3,
    }
