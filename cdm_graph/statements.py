"""The Cypher of cdm-graph, loaded from ``cypher/`` (shipped as ``cdm_graph.cypher``).

Statements take their values as parameters only; nothing here builds Cypher from values. The
benchmark's and the tests' own statements load through the same ``CypherFolder``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

# A statement that changes the graph (not a schema statement): it is EXPLAIN-checked.
_WRITING = re.compile(r"^\s*(MERGE|CREATE|SET|DELETE|DETACH DELETE|REMOVE)\b", re.M)
# A parameter of a statement (the files use ``$`` for nothing else).
_PARAMETER = re.compile(r"\$(\w+)")
# What ``columns`` reads a statement's result from.
_RETURN_OR_BRACKET = re.compile(r"[()\[\]{}]|\bRETURN\b", re.I)
_RETURN_TAIL = re.compile(r"\b(?:ORDER\s+BY|SKIP|LIMIT|OFFSET)\b", re.I)
_DISTINCT = re.compile(r"^DISTINCT\s+", re.I)
_ALIAS = re.compile(r"\bAS\s+(\w+)$", re.I | re.S)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


class CypherFolder:
    """A folder of ``.cypher`` files, each one statement with a header of ``//`` lines."""

    def __init__(self, root: Traversable | Path) -> None:
        self._root = root

    @functools.cache  # noqa: B019 - the folders live as long as the process
    def load(self, name: str) -> str:
        """The statement in ``<root>/<name>.cypher``, e.g. ``load("batch/instance/write")``."""
        return self._root.joinpath(f"{name}.cypher").read_text().strip()

    def names(self, folder: str = "") -> list[str]:
        """The statements below one folder (all of them by default), in name order."""
        found: list[str] = []

        def walk(entry: Traversable, prefix: str) -> None:
            for child in entry.iterdir():
                if child.is_dir():
                    walk(child, f"{prefix}{child.name}/")
                elif child.name.endswith(".cypher"):
                    found.append(f"{prefix}{child.name.removesuffix('.cypher')}")

        start = self._root.joinpath(folder) if folder else self._root
        walk(start, f"{folder}/" if folder else "")
        return sorted(found)

    def writes(self, name: str) -> bool:
        """Whether the statement changes the graph (schema statements excepted)."""
        body = "\n".join(
            line for line in self.load(name).splitlines() if not line.lstrip().startswith("//")
        )
        return not is_schema(name) and _WRITING.search(body) is not None


@functools.cache
@functools.cache
def in_sequence(bodies: tuple[str, ...], reading: tuple[str, ...] = ()) -> str:
    """Statements as one: first ``bodies``, that return nothing, then ``reading``, that
    return rows, each a unit subquery (``CALL () { … }``) of a single row, so each runs whole
    before the next starts, in this order. The parameters of the statement at position ``n``
    (``bodies`` first) become the entries of one map, ``$s<n>.<name>``
    (``in_sequence_parameters``). The rows of a reading statement come back as one column,
    ``s<n>_rows``: a list of its rows, each the list of its ``columns``. One round trip
    instead of one each.

    Why maps: Neo4j caches a plan by its text and its parameters' types, a list's size
    (one, tens, hundreds…) and emptiness counting as its type; a map's entries do not. Lists
    would make each mix of sizes across the statements a plan of its own, and planning one
    costs about the sum of its statements' (a read of every family: ~0.3 s): the first run
    of the simulator's stream on a fresh Neo4j spent 30 s planning. With maps, each mix of
    statements is planned once; a batch runs the same four (``families.base.Writes``). And
    Neo4j keeps that plan (``replan=skip``) rather than plan it again each time its
    statistics drift (every 10 s at first, while a graph grows): the statements seek their
    elements by key whatever the statistics. Built once per mix."""
    parts = ["CYPHER replan=skip"]
    for position, body in enumerate(bodies):
        parts.append(f"CALL () {{\n{_renamed(body, position)}\n}}")
    returned = []
    for position, body in enumerate(reading, start=len(bodies)):
        # Aggregated in a subquery of its own: one row, an empty list, when it finds nothing
        # (a subquery returning no row would end the statement there).
        rows = f"s{position}_rows"
        parts.append(
            f"CALL () {{\nCALL () {{\n{_renamed(body, position)}\n}}\n"
            f"RETURN collect([{', '.join(columns(body))}]) AS {rows}\n}}"
        )
        returned.append(rows)
    if returned:
        parts.append(f"RETURN {', '.join(returned)}")
    return "\n".join(parts)


def _renamed(body: str, position: int) -> str:
    return _PARAMETER.sub(rf"$s{position}.\1", without_comments(body))


@functools.cache
def columns(body: str) -> tuple[str, ...]:
    """The names of the columns a statement returns, in order: the items of its last
    ``RETURN`` outside brackets (a ``COLLECT { … RETURN … }`` inside is not it), each a
    variable or ``… AS name``."""
    text = without_comments(body)
    depth, start = 0, None
    for token in _RETURN_OR_BRACKET.finditer(text):
        value = token.group()
        if value in "([{":
            depth += 1
        elif value in ")]}":
            depth -= 1
        elif depth == 0:
            start = token.end()
    if start is None:
        raise ValueError(f"the statement returns nothing: {text[:80]!r}")
    tail = _RETURN_TAIL.split(text[start:], maxsplit=1)[0]
    items, depth, item_start = [], 0, 0
    for position, character in enumerate(tail):
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif character == "," and depth == 0:
            items.append(tail[item_start:position])
            item_start = position + 1
    items.append(tail[item_start:])
    names = []
    for item in items:
        item = _DISTINCT.sub("", item.strip())
        alias = _ALIAS.search(item)
        name = alias.group(1) if alias else item
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"a returned item needs a name (`… AS name`): {item!r}")
        names.append(name)
    return tuple(names)


def without_comments(text: str) -> str:
    """A statement without its ``//`` lines (its header): what can be nested in another."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


@functools.cache
def unwinds_keys(name: str) -> bool:
    """Whether the statement begins by unwinding ``$keys``: with no keys, it reads nothing."""
    return re.match(r"UNWIND\s+\$keys\b", without_comments(load(name)).lstrip()) is not None


def in_sequence_parameters(parameters: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of the statements of ``in_sequence``, as it renames them: one map per
    statement, ``$s<n>``."""
    return {f"s{position}": dict(values) for position, values in enumerate(parameters)}


def is_schema(name: str) -> bool:
    """A constraint or index: the statements of ``schema/`` (the shared elements'), and a
    family folder's ``schema_*`` (its elements')."""
    return name.startswith("schema/") or name.rpartition("/")[2].startswith("schema_")


PRODUCT = CypherFolder(resources.files("cdm_graph.cypher"))
load = PRODUCT.load
names = PRODUCT.names
writes = PRODUCT.writes
