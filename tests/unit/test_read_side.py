"""The read side (cdm_graph/read/) never imports the write side, directly or through another
module of cdm_graph: read from the import statements of the source, without running it. And
its two models, the live client and the snapshot, share one read protocol."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cdm_graph.read.client import GraphClient
from cdm_graph.read.protocol import ModelReader
from cdm_graph.read.snapshot import Snapshot

PACKAGE = Path(__file__).resolve().parents[2] / "cdm_graph"
READ_SIDE = sorted((PACKAGE / "read").glob("*.py"))
WRITE_SIDE = (
    "cdm_graph.transport",
    "cdm_graph.decode",
    "cdm_graph.families",
    "cdm_graph.mapping",
    "cdm_graph.plan",
    "cdm_graph.apply",
    "cdm_graph.sync",
    "cdm_graph.reconcile",
)


def module_file(module: str) -> Path | None:
    """The source of a module of cdm_graph, None for anything else."""
    parts = module.split(".")
    if parts[0] != "cdm_graph":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def package_of(path: Path) -> str:
    """The package relative imports in ``path`` start from."""
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imported(text: str, package: str) -> set[str]:
    """Every module an import statement of ``text`` names, wherever it stands (in a function,
    under TYPE_CHECKING), relative ones resolved from ``package``; ``from M import N`` also
    as ``M.N``, which is a module when N is one."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def reached(start: Path) -> set[str]:
    """The modules of cdm_graph that importing ``start`` runs, parent packages included."""
    seen: set[str] = set()
    pending = [module_name(start)]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        pending += [".".join(parts[:end]) for end in range(1, len(parts))]
        source = module_file(module)
        if source is not None:
            names = imported(source.read_text(), package_of(source))
            pending += [name for name in names if module_file(name) is not None]
    return seen


def test_the_write_side_named_here_still_exists() -> None:
    # A write-side module that moved would make the check below pass without checking.
    assert [module for module in WRITE_SIDE if module_file(module) is None] == []


@pytest.mark.parametrize("path", READ_SIDE, ids=lambda path: path.name)
def test_the_read_side_imports_nothing_of_the_write_side(path: Path) -> None:
    write_side = sorted(
        module
        for module in reached(path)
        if any(module == name or module.startswith(f"{name}.") for name in WRITE_SIDE)
    )
    assert write_side == [], f"importing {module_name(path)} imports {write_side}"


IMPORTS_OF_EVERY_KIND = """
import cdm_graph.plan
from cdm_graph import apply
from .. import events
from ..mapping import NOTIFICATION_MAPPING
if TYPE_CHECKING:
    from cdm_graph.pipeline import process_batch
def later():
    import cdm_graph.sync
"""


def test_the_check_sees_imports_of_every_kind() -> None:
    names = imported(IMPORTS_OF_EVERY_KIND, "cdm_graph.read")
    assert {
        "cdm_graph.plan", "cdm_graph.apply", "cdm_graph.events", "cdm_graph.mapping",
        "cdm_graph.pipeline", "cdm_graph.sync",
    } <= names


def test_the_check_follows_imports_through_other_modules() -> None:
    assert {"cdm_graph", "cdm_graph.gateway", "cdm_graph.statements"} <= reached(
        PACKAGE / "read" / "client.py"
    )


# ------------------------------------------------------------------ one read protocol

WATCHER_READ_API = (
    "get_all_compute_nodes", "get_node_by_uuid", "get_node_by_name", "get_instance_by_uuid",
    "get_node_by_instance_uuid", "get_all_instances", "get_node_instances",
    "get_node_used_resources", "get_node_free_resources",
)


@pytest.mark.parametrize("model", [GraphClient, Snapshot], ids=lambda model: model.__name__)
def test_each_watcher_method_is_written_once_for_both_models(model: type[ModelReader]) -> None:
    assert issubclass(model, ModelReader)
    assert [name for name in WATCHER_READ_API if name in vars(model)] == []
    assert not getattr(model, "__abstractmethods__", None)


def test_the_read_protocol_is_watchers_model_root_api() -> None:
    model_root = pytest.importorskip("watcher.decision_engine.model.model_root")
    assert [name for name in WATCHER_READ_API if not hasattr(model_root.ModelRoot, name)] == []
    assert [name for name in WATCHER_READ_API if not hasattr(ModelReader, name)] == []


def test_the_read_models_have_every_watcher_name_the_schema_declares():
    import dataclasses

    from cdm_graph.read.models import ComputeNode, Instance
    from cdm_graph.schema.compute_node import COMPUTE_NODE
    from cdm_graph.schema.instance import INSTANCE

    for model, schema in ((ComputeNode, COMPUTE_NODE), (Instance, INSTANCE)):
        fields = {field.name for field in dataclasses.fields(model)}
        assert set(schema.watcher_names().values()) <= fields, model.__name__


def test_the_driver_packs_with_its_rust_extension():
    from neo4j._codec.packstream import v1

    assert v1._rust_pack is not None and v1._rust_unpack is not None
