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
def in_sequence(bodies: tuple[str, ...]) -> str:
    """Statements that return nothing, as one: each a unit subquery (``CALL () { … }``) of a
    single row, so each runs whole before the next starts, in this order. The parameters of
    the statement at position ``n`` are renamed ``$s<n>_<name>`` (``in_sequence_parameters``).
    One round trip instead of one each. Neo4j caches a plan by its text and its parameters'
    types, an empty list and a list of maps being different types: give every statement
    lists that are never empty (as the locks', whose families without keys are left out),
    or each mix of empty and full lists is planned again, at hundreds of milliseconds for a
    long sequence."""
    parts = []
    for position, body in enumerate(bodies):
        renamed = _PARAMETER.sub(rf"$s{position}_\1", without_comments(body))
        parts.append(f"CALL () {{\n{renamed}\n}}")
    return "\n".join(parts)


def without_comments(text: str) -> str:
    """A statement without its ``//`` lines (its header): what can be nested in another."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def in_sequence_parameters(parameters: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of the statements of ``in_sequence``, renamed as it renames them."""
    return {
        f"s{position}_{name}": value
        for position, values in enumerate(parameters)
        for name, value in values.items()
    }


def is_schema(name: str) -> bool:
    """A constraint or index: the statements of ``schema/`` (the shared elements'), and a
    family folder's ``schema_*`` (its elements')."""
    return name.startswith("schema/") or name.rpartition("/")[2].startswith("schema_")


PRODUCT = CypherFolder(resources.files("cdm_graph.cypher"))
load = PRODUCT.load
names = PRODUCT.names
writes = PRODUCT.writes
