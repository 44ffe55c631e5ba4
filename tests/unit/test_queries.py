"""Named queries: their header comments, and parameters typed from the command line."""

from __future__ import annotations

import pytest

from cdm_graph.read import queries
from cdm_graph.read.queries import QueryError

HEADER = """\
// Hosts by something: what it answers.
// Second line of the description.
// Parameters:
//   $resource (vcpu|memory, default vcpu): to sort by
//   $limit (int, default 20): at most this many
//   $ratio (float, optional): a ratio
//   $enabled (bool, default true): only enabled hosts
//   $hostname (string): the host
MATCH (c:ComputeNode) RETURN c
"""


@pytest.fixture
def query() -> queries.NamedQuery:
    return queries.parse("example", HEADER)


def test_header_gives_the_description(query):
    assert query.description == (
        "Hosts by something: what it answers. Second line of the description."
    )
    assert query.summary == "Hosts by something: what it answers."


def test_header_gives_the_parameters_in_order(query):
    assert [p.name for p in query.parameters] == ["resource", "limit", "ratio", "enabled",
                                                   "hostname"]


def test_parameters_are_converted_to_their_declared_types(query):
    bound = query.bind({"limit": "5", "ratio": "1.5", "enabled": "no", "hostname": "42",
                        "resource": "memory"})
    assert bound == {"resource": "memory", "limit": 5, "ratio": 1.5, "enabled": False,
                     "hostname": "42"}


def test_parameters_not_given_take_their_default_or_null(query):
    assert query.bind({"hostname": "h"}) == {
        "resource": "vcpu", "limit": 20, "ratio": None, "enabled": True, "hostname": "h",
    }


def test_a_missing_required_parameter_is_refused(query):
    with pytest.raises(QueryError, match=r"needs --param hostname="):
        query.bind({})


def test_an_unknown_parameter_is_refused(query):
    with pytest.raises(QueryError, match=r"no parameter colour"):
        query.bind({"hostname": "h", "colour": "red"})


def test_a_value_of_the_wrong_type_is_refused(query):
    with pytest.raises(QueryError, match=r"\$limit must be int, got 'many'"):
        query.bind({"hostname": "h", "limit": "many"})


def test_a_value_outside_the_choices_is_refused(query):
    with pytest.raises(QueryError, match=r"one of vcpu\|memory"):
        query.bind({"hostname": "h", "resource": "disk"})


def test_assignments_split_at_the_first_equals_sign():
    assert queries.parse_assignments(["hostname=a=b", "$limit=3"]) == {
        "hostname": "a=b", "limit": "3",
    }


def test_an_assignment_without_equals_sign_is_refused():
    with pytest.raises(QueryError, match="NAME=VALUE"):
        queries.parse_assignments(["limit"])


def test_an_unknown_query_is_refused():
    with pytest.raises(QueryError, match="no query named 'nope'"):
        queries.get("nope")


@pytest.mark.parametrize("name", queries.names())
def test_every_shipped_query_says_what_it_answers(name):
    query = queries.get(name)
    assert len(query.description) > 20


def test_table_aligns_numbers_right_and_counts_rows():
    table = queries.to_table([{"host": "a", "free": 2.5}, {"host": "bb", "free": 10}])
    assert table.splitlines() == [
        "host  free", "----  ----", "a      2.5", "bb      10", "(2 rows)",
    ]


def test_table_prints_null_as_unknown_never_as_a_number():
    table = queries.to_table([{"host": "a", "free": None}, {"host": "bb", "free": 10}])
    assert table.splitlines() == [
        "host  free", "----  ----", "a        -", "bb      10", "(2 rows)",
    ]
