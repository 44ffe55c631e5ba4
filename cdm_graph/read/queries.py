"""Named queries for analysts: ``cypher/queries/NAME.cypher``, run by ``cdm-graph query``.

Each file opens with a comment that says what it answers, then its parameters::

    // Hosts by free capacity: ...
    // Parameters:
    //   $resource (vcpu|memory|disk, default vcpu): the free resource to sort by
    //   $limit (int, default 20): at most this many hosts
    //   $project_id (string, optional): only this project
    //   $hostname (string): the compute node's hostname

A parameter's type is ``int``, ``float``, ``string``, ``bool`` or a list of choices
``a|b|c``; ``default X`` gives its value when it is not passed, ``optional`` makes it null,
and one with neither must be passed. Values given as text (``--param limit=5``) are
converted to the declared type and handed to Neo4j as parameters, never spliced into Cypher.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from cdm_graph import statements

FOLDER = "queries"
_PARAMETER = re.compile(r"^//\s+\$(?P<name>\w+)\s+\((?P<spec>[^)]*)\):\s*(?P<help>.*)$")
_TYPES = ("int", "float", "string", "bool")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class QueryError(ValueError):
    """A named query that does not exist, or parameters it cannot take; the message says which."""


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: str  # one of _TYPES, or "choice"
    help: str
    choices: tuple[str, ...] = ()
    required: bool = True
    default: Any = None

    def convert(self, text: str) -> Any:
        """The value of ``text`` as this parameter's type."""
        try:
            if self.kind == "int":
                return int(text)
            if self.kind == "float":
                return float(text)
        except ValueError:
            raise QueryError(f"${self.name} must be {self.kind}, got {text!r}") from None
        if self.kind == "bool":
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise QueryError(f"${self.name} must be true or false, got {text!r}")
        if self.kind == "choice" and text not in self.choices:
            raise QueryError(f"${self.name} must be one of {'|'.join(self.choices)}, got {text!r}")
        return text

    def describe(self) -> str:
        kind = "|".join(self.choices) if self.kind == "choice" else self.kind
        if not self.required:
            kind += ", optional" if self.default is None else f", default {self.default}"
        return f"${self.name} ({kind}): {self.help}"


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    description: str
    parameters: tuple[Parameter, ...]

    @property
    def statement(self) -> str:
        return f"{FOLDER}/{self.name}"

    @property
    def summary(self) -> str:
        """The first sentence of the description."""
        return self.description.split(". ")[0].rstrip(".") + "."

    def bind(self, given: Mapping[str, str]) -> dict[str, Any]:
        """Cypher parameters from ``name=text`` pairs: converted, defaults filled in."""
        known = {parameter.name: parameter for parameter in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            accepted = ", ".join(f"${name}" for name in known) or "none"
            raise QueryError(
                f"query {self.name} takes no parameter {', '.join(unknown)} (it takes: {accepted})"
            )
        bound: dict[str, Any] = {}
        for parameter in self.parameters:
            if parameter.name in given:
                bound[parameter.name] = parameter.convert(given[parameter.name])
            elif parameter.required:
                raise QueryError(
                    f"query {self.name} needs --param {parameter.name}=...: {parameter.describe()}"
                )
            else:
                bound[parameter.name] = parameter.default
        return bound


def _parameter(name: str, spec: str, help_text: str) -> Parameter:
    kind, *options = (part.strip() for part in spec.split(","))
    choices: tuple[str, ...] = ()
    if "|" in kind:
        choices, kind = tuple(kind.split("|")), "choice"
    elif kind not in _TYPES:
        raise QueryError(f"parameter ${name} has an unknown type {kind!r}")
    parameter = Parameter(name, kind, help_text, choices)
    for option in options:
        if option == "optional":
            parameter = Parameter(name, kind, help_text, choices, required=False)
        elif option.startswith("default "):
            default = parameter.convert(option.removeprefix("default ").strip())
            parameter = Parameter(name, kind, help_text, choices, False, default)
        else:
            raise QueryError(f"parameter ${name}: cannot read {option!r}")
    return parameter


def parse(name: str, text: str) -> NamedQuery:
    """The description and parameters in the header comment of one query's text."""
    description: list[str] = []
    parameters: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        match = _PARAMETER.match(line)
        if match:
            parameters.append(_parameter(match["name"], match["spec"], match["help"].strip()))
            continue
        body = line.removeprefix("//").strip()
        if body and body not in {"Parameters:", "No parameters."} and not parameters:
            description.append(body)
    if not description:
        raise QueryError(f"query {name} has no header comment saying what it answers")
    return NamedQuery(name, " ".join(description), tuple(parameters))


def names() -> list[str]:
    return [name.removeprefix(f"{FOLDER}/") for name in statements.names(FOLDER)]


def catalogue() -> list[NamedQuery]:
    return [get(name) for name in names()]


def get(name: str) -> NamedQuery:
    if name not in names():
        raise QueryError(f"no query named {name!r}; `cdm-graph query --list` lists them")
    return parse(name, statements.load(f"{FOLDER}/{name}"))


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``["limit=5", "hostname=compute-1"]`` -> ``{"limit": "5", "hostname": "compute-1"}``."""
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param takes NAME=VALUE, got {pair!r}")
        given[key.strip().lstrip("$")] = value
    return given


# ------------------------------------------------------------------------- output


def _plain(value: Any) -> Any:
    """A JSON-ready value: times as ISO 8601 text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def to_json(rows: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps([_plain(dict(row)) for row in rows], indent=2)


# What a table prints for null: unknown, or nothing (a capacity no reconcile has read yet, a
# host an instance does not have), never a number that would read as a fact.
UNKNOWN = "-"


def _cell(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)


def to_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A plain-text table, numbers right-aligned, null as ``-``, with a row count."""
    if not rows:
        return "(0 rows)"
    headers = list(rows[0].keys())
    cells = [[_cell(row.get(header)) for header in headers] for row in rows]
    numeric = [
        all(isinstance(row.get(header), int | float) or row.get(header) is None for row in rows)
        for header in headers
    ]
    widths = [
        max([len(header), *(len(line[index]) for line in cells)])
        for index, header in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if is_number else value.ljust(width)
            for value, width, is_number in zip(values, widths, numeric, strict=True)
        ).rstrip()

    lines = [line(headers), line(["-" * width for width in widths])]
    lines += [line(values) for values in cells]
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)
