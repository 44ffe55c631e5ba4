"""The Cypher of cdm-graph, loaded from ``cypher/`` (shipped as ``cdm_graph.cypher``).

Statements take their values as parameters only; nothing here builds Cypher from values.
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def load(name: str) -> str:
    """The statement in ``cypher/<name>.cypher``, e.g. ``load("write/upsert_instances")``."""
    text = resources.files("cdm_graph.cypher").joinpath(f"{name}.cypher").read_text()
    return text.strip()


def names(folder: str) -> list[str]:
    """The statements of one folder, in file-name order, e.g. ``names("schema")``."""
    root = resources.files("cdm_graph.cypher").joinpath(folder)
    return sorted(
        f"{folder}/{entry.name.removesuffix('.cypher')}"
        for entry in root.iterdir()
        if entry.name.endswith(".cypher")
    )
