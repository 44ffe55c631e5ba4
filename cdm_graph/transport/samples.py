"""Nova's notification samples: JSON files whose payloads reference shared payload files.

A sample says ``{"$ref": "common_payloads/X.json#", ...overrides}``: the referenced file is
loaded (its path relative to the file holding the ``$ref``; chains nest, lists too) and the
keys beside ``$ref`` are deep-merged over it: dicts merge, lists and scalars replace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class SampleError(ValueError):
    """A sample file that cannot be resolved."""


def deep_merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


def resolve_refs(node: Any, here: Path, seen: tuple[Path, ...] = ()) -> Any:
    """Resolve every ``$ref`` in ``node``; ``here`` is the folder of the file holding it."""
    if isinstance(node, list):
        return [resolve_refs(item, here, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" not in node:
        return {key: resolve_refs(value, here, seen) for key, value in node.items()}
    target = (here / str(node["$ref"]).split("#", 1)[0]).resolve()
    if target in seen:
        raise SampleError(f"$ref cycle through {target}")
    try:
        referenced = json.loads(target.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SampleError(f"cannot load $ref {node['$ref']!r}: {exc}") from exc
    base = resolve_refs(referenced, target.parent, (*seen, target))
    overrides = {key: value for key, value in node.items() if key != "$ref"}
    return deep_merge(base, resolve_refs(overrides, here, seen))


def load_sample(path: Path) -> dict[str, Any]:
    """Load one sample file with its references resolved."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SampleError(f"{path}: {exc}") from exc
    resolved: dict[str, Any] = resolve_refs(raw, path.parent)
    return resolved
