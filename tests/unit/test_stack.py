"""The local stack (``tools/stack``, ``devstack/``) apart from cdm-graph: its command line, and
its hand-over to cdm-graph, the configuration file ``up`` writes, read as any operator's file
would be. No server: nothing is started."""

from __future__ import annotations

import argparse
import logging
import os
import pkgutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import cdm_graph
from cdm_graph import cli
from devstack import stack

REPO = Path(__file__).resolve().parents[2]

# Every character oslo.config's file format treats specially: $ (substitution), quotes,
# a backslash, a leading and a trailing space.
AWKWARD_PASSWORD = ' pa$word$$ "quoted" \\ x '


@pytest.fixture
def stack_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(stack.STACK_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(stack.PASSWORD_ENV, raising=False)
    return tmp_path


@pytest.fixture
def operator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OS_* variable (they outrank files) and no CDM_GRAPH_CONFIG_FILE from the caller;
    the root logger back as it was after the command sets up oslo.log."""
    for name in [name for name in os.environ if name.startswith("OS_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv(cli.config.CONFIG_FILE_ENV, raising=False)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)


def _arguments(*config_files: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(
        [argument for path in config_files for argument in ("--config-file", path)]
        + ["schema"]
    )


def test_the_file_up_writes_is_readable_by_its_owner_only(stack_dir: Path) -> None:
    path = stack.write_config()
    assert path == stack_dir / "cdm-graph.conf"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Written again unchanged, and still private, when a later `up` rewrites it.
    assert stack.write_config() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cdm_graph_reads_the_stacks_neo4j_and_rabbitmq_from_the_file_it_names(
    stack_dir: Path, operator_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(stack.PASSWORD_ENV, AWKWARD_PASSWORD)
    monkeypatch.setenv(cli.config.CONFIG_FILE_ENV, str(stack.write_config()))
    conf = cli.load_config(_arguments())
    settings = cli.neo4j_settings(conf)
    assert (settings.uri, settings.username, settings.password) == (
        f"bolt://127.0.0.1:{stack.BOLT_PORT}",
        "neo4j",
        AWKWARD_PASSWORD,
    )
    assert cli.notification_transport_url(conf) == stack.transport_url()


def test_the_generated_password_is_the_one_in_the_file(
    stack_dir: Path, operator_environment: None
) -> None:
    path = stack.write_config()
    conf = cli.load_config(_arguments(str(path)))
    assert conf.neo4j.password == stack.neo4j_settings()["password"]
    assert stat.S_IMODE((stack_dir / "neo4j-password").stat().st_mode) == 0o600


def test_config_file_options_win_over_the_environment(
    operator_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.config_files(_arguments()) == []
    monkeypatch.setenv(cli.config.CONFIG_FILE_ENV, "/from/environment.conf")
    assert cli.config_files(_arguments()) == ["/from/environment.conf"]
    assert cli.config_files(_arguments("/a.conf", "/b.conf")) == ["/a.conf", "/b.conf"]


def test_without_a_password_cdm_graph_names_the_missing_option(
    operator_environment: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "cdm-graph.conf"
    empty.write_text("[neo4j]\nuri = bolt://127.0.0.1:1\n")
    assert cli.main(["--config-file", str(empty), "browser", "label"]) == 2
    assert "value required for option password in group [neo4j]" in capsys.readouterr().err


def test_a_missing_configuration_file_is_named(
    operator_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv(cli.config.CONFIG_FILE_ENV, str(tmp_path / "not-written-yet.conf"))
    assert cli.main(["deadletter", "list"]) == 2
    assert "not-written-yet.conf" in capsys.readouterr().err


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    ("argv", "action", "services"),
    [
        (["up"], "up", []),
        (["status", "neo4j"], "status", ["neo4j"]),
        (["status", "rabbitmq"], "status", ["rabbitmq"]),
        (["down", "rabbitmq", "neo4j"], "down", ["rabbitmq", "neo4j"]),
    ],
)
def test_an_action_applies_to_the_services_named_or_to_both(
    argv: list[str], action: str, services: list[str]
) -> None:
    args = stack.parse_args(argv)
    assert (args.action, args.services) == (action, services)


@pytest.mark.parametrize("argv", [["status", "mysql"], ["restart"], []])
def test_an_unknown_service_or_action_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        stack.parse_args(argv)
    assert exit_.value.code == 2
    assert "usage: tools/stack" in capsys.readouterr().err


# --------------------------------------------------------------------------- apart


def test_the_product_imports_nothing_of_the_dev_stack() -> None:
    # From the checkout's root, where devstack could be imported: it must not be.
    code = (
        "import sys, cdm_graph.sync, cdm_graph.sync.service, cdm_graph.cli\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'devstack'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_dev_stack_is_neither_in_the_package_nor_a_command_of_it() -> None:
    assert "stack" not in {module.name for module in pkgutil.iter_modules(cdm_graph.__path__)}
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["stack", "up"])
    tomllib = pytest.importorskip("tomllib")
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert not [name for name in setuptools["packages"] if name.split(".")[0] == "devstack"]


def test_every_package_of_cdm_graph_ships_in_the_wheel() -> None:
    import tomllib

    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "cdm_graph").rglob("__init__.py")
    }
    assert found | {"cdm_graph.cypher"} == listed
