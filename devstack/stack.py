"""The local stack: Neo4j Community 5.26 and RabbitMQ, started without Docker.

``tools/stack up|down|status [neo4j|rabbitmq]`` (or ``python -m devstack ...``) brings up what
the functional tests and a developer need on one machine:

* Neo4j Community 5.26 LTS from its jars on Maven Central (``tools/neo4j/pom.xml``), fetched
  with the machine's Maven and run on JDK 17 (or 21), Bolt on 127.0.0.1:7687 and the Browser
  on http://127.0.0.1:7474/browser/. Everything it writes lives under ``.stack/`` at the
  repository root (``CDM_GRAPH_STACK_DIR`` moves it).
* RabbitMQ from Debian's ``rabbitmq-server``, installed with apt-get when missing.

Machines without a Docker engine are the case this module is for; where Docker exists,
``docker compose up -d neo4j rabbitmq`` with the repository's docker-compose.yml is the other
way, and ``up`` accepts a Neo4j it did not start if the stack's credentials work on it.

The Neo4j password comes from ``CDM_GRAPH_NEO4J_PASSWORD`` or is generated once and kept in
``.stack/neo4j-password`` (mode 0600). It never appears in the argv of a process or in a log.

cdm-graph finds the stack only through its own configuration: ``up`` writes
``.stack/cdm-graph.conf`` (mode 0600: ``[neo4j]`` uri, username and password, ``[DEFAULT]``
transport_url), which ``cdm-graph --config-file`` or ``CDM_GRAPH_CONFIG_FILE`` names.

This is a tool of the repository, not part of cdm-graph: ``pip install cdm-graph`` does not
install it, and nothing in ``cdm_graph`` imports it. It works from a source checkout only.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdm_graph.config import CONFIG_FILE_ENV
from cdm_graph.transport.rejected import REJECTED_EXCHANGE

LOG = logging.getLogger(__name__)

# devstack/ sits at the top of the checkout, beside tools/ and the .stack/ it writes.
REPO_ROOT = Path(__file__).resolve().parent.parent
POM = REPO_ROOT / "tools" / "neo4j" / "pom.xml"

HOST = "127.0.0.1"
# Overridable so that a second stack (another checkout, a benchmark) can run beside the first.
BOLT_PORT = int(os.environ.get("CDM_GRAPH_NEO4J_BOLT_PORT", "7687"))
HTTP_PORT = int(os.environ.get("CDM_GRAPH_NEO4J_HTTP_PORT", "7474"))
AMQP_PORT = 5672
NEO4J_USER = "neo4j"
PASSWORD_ENV = "CDM_GRAPH_NEO4J_PASSWORD"
STACK_DIR_ENV = "CDM_GRAPH_STACK_DIR"

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

# Sized for the project's 2-core, 24 GiB machines, which also run RabbitMQ, the tests and
# the synchronizer: the test graphs are small, so more memory would only slow the start.
HEAP_INITIAL = "1g"
HEAP_MAX = "2g"
PAGECACHE = "1g"

NEO4J_START_TIMEOUT = 240.0
NEO4J_STOP_TIMEOUT = 60.0
RABBITMQ_START_TIMEOUT = 120.0

SERVICES = ("neo4j", "rabbitmq")

# The JVM flags Neo4j's own launcher reads from the distribution's neo4j.conf
# (server.jvm.additional); CommunityEntryPoint is started directly here, so they go on the
# command line. Without the --add-opens, Netty and the page cache fall back to slow paths.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)

# Neo4j 5.26 supports these Java releases only.
SUPPORTED_JAVA = (17, 21)


class StackError(RuntimeError):
    """Something the stack needs is missing or did not come up; the message says what."""


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def password_file(self) -> Path:
        return self.root / "neo4j-password"

    @property
    def config_file(self) -> Path:
        return self.root / "cdm-graph.conf"

    @property
    def neo4j_home(self) -> Path:
        return self.root / "neo4j"

    @property
    def conf_dir(self) -> Path:
        return self.neo4j_home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.neo4j_home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.neo4j_home / "logs"

    @property
    def lib_dir(self) -> Path:
        return self.neo4j_home / "lib"

    @property
    def lib_stamp(self) -> Path:
        return self.lib_dir / ".pom-sha256"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "neo4j.pid"

    @property
    def admin_args(self) -> Path:
        return self.root / "neo4j-admin.args"

    @property
    def rabbitmq_marker(self) -> Path:
        return self.root / "rabbitmq.started"


def stack_dir() -> Path:
    """The folder holding everything the stack writes (git-ignored ``.stack/``)."""
    override = os.environ.get(STACK_DIR_ENV)
    return Path(override).resolve() if override else REPO_ROOT / ".stack"


def _paths() -> Paths:
    return Paths(stack_dir())


# --------------------------------------------------------------------------- settings


def _read_password_file(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _password(create: bool) -> str | None:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    paths = _paths()
    existing = _read_password_file(paths.password_file)
    if existing or not create:
        return existing
    paths.root.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    _create_private(paths.password_file, password + "\n")
    return password


def _create_private(path: Path, text: str) -> None:
    """Create the file (it must not exist) holding ``text``, readable by its owner only.

    O_EXCL and mode 0600 at creation: the file is never readable by others, not even
    between creating it and a chmod.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _check_password(password: str) -> None:
    if any(char in password for char in "\r\n\0"):
        raise StackError(f"{PASSWORD_ENV} must not contain line breaks or NUL characters")


def neo4j_settings() -> dict[str, Any]:
    """uri, username and password of the local stack's Neo4j.

    The password is ``CDM_GRAPH_NEO4J_PASSWORD`` when set, else the one ``up`` generated
    (``.stack/neo4j-password``); None when neither exists yet (``up`` has never run).
    """
    return {
        "uri": f"bolt://{HOST}:{BOLT_PORT}",
        "username": NEO4J_USER,
        "password": _password(create=False),
    }


def transport_url() -> str:
    """oslo.messaging transport URL of the local RabbitMQ (guest works from localhost only)."""
    return f"rabbit://guest:guest@{HOST}:{AMQP_PORT}/"


def browser_url() -> str:
    return f"http://{HOST}:{HTTP_PORT}/browser/"


def config_file() -> Path:
    """cdm-graph's configuration file for this stack, which ``up`` writes."""
    return _paths().config_file


def _ini_value(value: str) -> str:
    # oslo.config strips one pair of surrounding quotes and nothing else, and reads $name
    # as a substitution unless written $$: quoted so, any one-line value reads back as is.
    return '"' + value.replace("$", "$$") + '"'


def cdm_graph_conf(password: str) -> str:
    """The text of cdm-graph's configuration file for this stack."""
    _check_password(password)
    return "\n".join(
        [
            "# cdm-graph's settings for the local stack, written by `tools/stack up` on every",
            "# run: edit devstack/stack.py, not this file. It holds the Neo4j password (0600).",
            f"#   cdm-graph --config-file {config_file()} ...",
            f"#   export {CONFIG_FILE_ENV}={config_file()}",
            "",
            "[DEFAULT]",
            f"transport_url = {transport_url()}",
            "",
            "[neo4j]",
            f"uri = bolt://{HOST}:{BOLT_PORT}",
            f"username = {NEO4J_USER}",
            f"password = {_ini_value(password)}",
            "",
        ]
    )


def write_config() -> Path:
    """Write cdm-graph's configuration file for this stack (mode 0600), creating the Neo4j
    password if there is none yet; returns its path."""
    password = _password(create=True)
    assert password is not None  # _password(create=True) always returns one
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = cdm_graph_conf(password)
    with contextlib.suppress(FileNotFoundError):
        if path.read_text(encoding="utf-8") == text:
            return path
    # Written beside it, then renamed over it: a reader never sees half a file.
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    _create_private(partial, text)
    partial.replace(path)
    return path


# --------------------------------------------------------------------------- helpers


def _port_open(port: int, host: str = HOST, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _bolt_answers(port: int = BOLT_PORT, timeout: float = 2.0) -> bool:
    """True if a Bolt server (not just any listener) answers the handshake on the port."""
    # Magic preamble 6060b017, then four version proposals (5.8 to 5.0, 4.4, 4.0, 3): a Bolt server
    # picks one and answers with four bytes; anything else closes or answers otherwise.
    handshake = bytes.fromhex("6060b017" + "00080805" + "00000404" + "00000004" + "00000003")
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(handshake)
            reply = sock.recv(4)
    except OSError:
        return False
    return len(reply) == 4 and reply != b"\x00\x00\x00\x00"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child of this very process that exited stays a zombie until reaped; it is not alive.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _is_our_neo4j(pid: int, paths: Paths) -> bool:
    """The pid is a Neo4j started by this stack (guards against a recycled pid)."""
    args = _cmdline(pid)
    return ENTRY_POINT in args and str(paths.neo4j_home) in args


def _saved_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _reap(pid: int) -> None:
    # Only succeeds for our own children (a stack started by up() in this process).
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _run(cmd: Sequence[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


_apt_updated = False


def apt_install(*packages: str) -> None:
    """Install Debian packages; the stack's only way to get a missing tool on a new machine."""
    global _apt_updated
    apt = shutil.which("apt-get")
    if apt is None:
        raise StackError(
            f"{', '.join(packages)} missing and there is no apt-get to install it: "
            "install it by hand (or use docker compose where Docker is available)"
        )
    if os.geteuid() != 0:
        raise StackError(
            f"{', '.join(packages)} missing: run `apt-get install {' '.join(packages)}` as "
            "root, or run `tools/stack up` as root"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        LOG.info("apt-get update")
        result = _run([apt, "update"], timeout=600, env=env)
        if result.returncode != 0:
            raise StackError(f"apt-get update failed:\n{result.stderr[-2000:]}")
        _apt_updated = True
    LOG.info("apt-get install %s", " ".join(packages))
    result = _run(
        [apt, "install", "-y", "--no-install-recommends", *packages], timeout=1200, env=env
    )
    if result.returncode != 0:
        raise StackError(f"apt-get install {' '.join(packages)} failed:\n{result.stderr[-2000:]}")


# --------------------------------------------------------------------------- Java and jars


def _java_major(java: str) -> int | None:
    try:
        result = _run([java, "-version"], timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java_candidates() -> list[str]:
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    for version in SUPPORTED_JAVA:
        candidates.append(f"/usr/lib/jvm/java-{version}-openjdk-amd64/bin/java")
        candidates.append(f"/usr/lib/jvm/java-{version}-openjdk-arm64/bin/java")
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    return candidates


def _find_java() -> str | None:
    seen: set[str] = set()
    for candidate in _java_candidates():
        if candidate in seen or not os.access(candidate, os.X_OK):
            continue
        seen.add(candidate)
        if _java_major(candidate) in SUPPORTED_JAVA:
            return candidate
    return None


def _ensure_java() -> str:
    java = _find_java()
    if java is None:
        LOG.info("no Java %s found: installing openjdk-17-jre-headless", SUPPORTED_JAVA)
        apt_install("openjdk-17-jre-headless")
        java = _find_java()
    if java is None:
        raise StackError(
            "Neo4j 5.26 needs Java 17 or 21 and none was found (JAVA_HOME, /usr/lib/jvm, PATH)"
        )
    return java


def _ensure_mvn() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        LOG.info("Maven missing: installing it")
        apt_install("maven")
        mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven (mvn) is needed to fetch Neo4j's jars and was not found")
    return mvn


def _pom_digest() -> str:
    if not POM.is_file():
        raise StackError(
            f"{POM} not found: tools/stack runs from a source checkout of cdm-graph"
        )
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def _jars_ready(paths: Paths) -> bool:
    try:
        stamp = paths.lib_stamp.read_text().strip()
    except FileNotFoundError:
        return False
    return stamp == _pom_digest() and any(paths.lib_dir.glob("*.jar"))


def _ensure_jars(paths: Paths) -> None:
    """Copy Neo4j's jars under .stack/neo4j/lib, from ~/.m2 or, failing that, Maven Central."""
    if _jars_ready(paths):
        return
    digest = _pom_digest()
    mvn = _ensure_mvn()
    staging = paths.neo4j_home / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    base = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}",
        "-DincludeScope=runtime",
        # Two artifacts with the same artifactId from different groups must not collide.
        "-Dmdep.prependGroupId=true",
    ]
    started = time.monotonic()
    # Offline first: after the first fetch, everything is in ~/.m2 and no network is needed.
    result = _run([*base[:2], "-o", *base[2:]], timeout=600)
    if result.returncode != 0:
        LOG.info("fetching Neo4j's jars from Maven Central (first time: ~140 MB)")
        shutil.rmtree(staging, ignore_errors=True)
        result = _run(base, timeout=1800)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-3000:]
        raise StackError(f"mvn could not fetch Neo4j's jars ({POM}):\n{output}")
    shutil.rmtree(paths.lib_dir, ignore_errors=True)
    staging.rename(paths.lib_dir)
    paths.lib_stamp.write_text(digest + "\n")
    LOG.info("Neo4j jars ready in %s (%.1f s)", paths.lib_dir, time.monotonic() - started)


def neo4j_version() -> str | None:
    """The Neo4j version the pom pins (what ``up`` runs)."""
    try:
        text = POM.read_text()
    except OSError:
        return None
    match = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", text)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- Neo4j


def _neo4j_conf(paths: Paths) -> str:
    home = paths.neo4j_home
    return "\n".join(
        [
            "# Written by devstack/stack.py on every `up`: edit the module, not this file.",
            f"server.directories.data={home / 'data'}",
            f"server.directories.logs={home / 'logs'}",
            f"server.directories.plugins={home / 'plugins'}",
            f"server.directories.import={home / 'import'}",
            f"server.directories.run={home / 'run'}",
            f"server.directories.lib={home / 'lib'}",
            # Loopback only: a developer machine must not expose the database.
            f"server.default_listen_address={HOST}",
            f"server.default_advertised_address={HOST}",
            f"server.bolt.listen_address={HOST}:{BOLT_PORT}",
            f"server.http.listen_address={HOST}:{HTTP_PORT}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            # Must agree with the -Xms/-Xmx on the command line (Neo4j checks them).
            f"server.memory.heap.initial_size={HEAP_INITIAL}",
            f"server.memory.heap.max_size={HEAP_MAX}",
            f"server.memory.pagecache.size={PAGECACHE}",
            # Test runs wipe the graph over and over; old transaction logs are of no use.
            "db.tx_log.rotation.retention_policy=100M size",
            "dbms.usage_report.enabled=false",
            "",
        ]
    )


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _argfile_quote(value: str) -> str:
    # picocli reads @-files with Java's StreamTokenizer: inside double quotes a backslash
    # escapes the next character, so only backslash and the quote need escaping.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _set_initial_password(paths: Paths, java: str, password: str) -> None:
    """Set the neo4j user's password before the very first start, keeping it out of argv.

    ``neo4j-admin dbms set-initial-password`` (org.neo4j.cli.AdminTool) takes the password
    only as a positional argument, and Neo4j 5 has no stdin or environment alternative. The
    admin tool parses its arguments with picocli, which expands ``@file`` arguments, so the
    password goes into a 0600 file in .stack/ that is passed as ``@file`` and deleted right
    after: /proc/<pid>/cmdline, ``ps`` and the JVM's own ``sun.java.command`` only ever see
    the file name. This uses Neo4j's own code to write data/dbms/auth.ini (salted, iterated
    SHA-256), rather than imitating its file format.
    """
    _check_password(password)
    args_file = paths.admin_args
    args_file.unlink(missing_ok=True)
    _create_private(args_file, _argfile_quote(password) + "\n")
    env = _neo4j_env(paths)
    try:
        result = _run(
            [
                java,
                "-Dfile.encoding=UTF-8",
                "-cp",
                str(paths.lib_dir / "*"),
                ADMIN_TOOL,
                "dbms",
                "set-initial-password",
                f"@{args_file}",
            ],
            timeout=300,
            env=env,
        )
    finally:
        args_file.unlink(missing_ok=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).replace(password, "********")[-3000:]
        raise StackError(f"neo4j-admin dbms set-initial-password failed:\n{output}")


def _neo4j_env(paths: Paths) -> dict[str, str]:
    # The server needs no password; keep it out of the JVM's environment too.
    env = {
        key: value
        for key, value in os.environ.items()
        if "PASSWORD" not in key.upper() and key.upper() != "NEO4J_AUTH"
    }
    env["NEO4J_HOME"] = str(paths.neo4j_home)
    env["NEO4J_CONF"] = str(paths.conf_dir)
    return env


def _neo4j_pid(paths: Paths) -> int | None:
    """The pid of the Neo4j this stack started, if it is still running."""
    pid = _saved_pid(paths.pid_file)
    if pid is None:
        return None
    _reap(pid)
    if _pid_alive(pid) and _is_our_neo4j(pid, paths):
        return pid
    return None


def _check_credentials(timeout: float = 10.0) -> None:
    """Run ``RETURN 1`` over Bolt with the stack's credentials; raise what went wrong."""
    from neo4j import GraphDatabase

    settings = neo4j_settings()
    with GraphDatabase.driver(
        settings["uri"],
        auth=(settings["username"], settings["password"]),
        connection_timeout=timeout,
        max_transaction_retry_time=timeout,
    ) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        if records[0]["one"] != 1:
            raise StackError("Neo4j answered RETURN 1 with something else")


def _auth_error_message() -> str:
    return (
        "Neo4j rejects the stack's password. The database keeps the password it was "
        f"initialised with: set {PASSWORD_ENV} to that one, or stop the stack and delete "
        f"{_paths().data_dir} to start over with an empty database."
    )


def _wait_for_neo4j(paths: Paths, pid: int | None, timeout: float) -> None:
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if pid is not None:
            _reap(pid)
            if not _pid_alive(pid):
                raise StackError(
                    f"Neo4j exited during start; last lines of {paths.console_log}:\n"
                    + _tail(paths.console_log)
                )
        if _bolt_answers():
            try:
                _check_credentials()
                return
            except AuthError as exc:
                raise StackError(_auth_error_message()) from exc
            except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
                # The Bolt port opens before the databases are online.
                last_error = exc
        time.sleep(1.0)
    raise StackError(
        f"Neo4j did not answer on bolt://{HOST}:{BOLT_PORT} within {timeout:.0f} s "
        f"({last_error!r}); see {paths.logs_dir}"
    )


def _neo4j_up() -> None:
    paths = _paths()
    password = _password(create=True)
    assert password is not None  # _password(create=True) always returns one

    pid = _neo4j_pid(paths)
    if pid is not None:
        # Ours and alive: nothing to start. If a concurrent `up` started it a moment ago,
        # this waits until it answers, as that `up` does.
        _wait_for_neo4j(paths, pid, NEO4J_START_TIMEOUT)
        LOG.info("neo4j: already running (pid %d)", pid)
        return
    if _port_open(BOLT_PORT) or _port_open(HTTP_PORT):
        # Something else holds the ports, e.g. a docker compose Neo4j: fine if the stack's
        # credentials work on it, otherwise starting ours would only fail to bind.
        if _bolt_answers():
            try:
                _check_credentials()
            except Exception as exc:
                raise StackError(
                    f"a Neo4j not started by this stack listens on {HOST}:{BOLT_PORT} and "
                    f"the stack's credentials do not work on it ({exc.__class__.__name__}): "
                    f"stop it, or set {PASSWORD_ENV} to its password"
                ) from exc
            LOG.info("neo4j: using the server already listening on %s:%d", HOST, BOLT_PORT)
            return
        raise StackError(
            f"ports {BOLT_PORT}/{HTTP_PORT} on {HOST} are taken by something that is not this "
            "stack's Neo4j"
        )

    started = time.monotonic()
    java = _ensure_java()
    for folder in ("conf", "data", "logs", "plugins", "import", "run"):
        (paths.neo4j_home / folder).mkdir(parents=True, exist_ok=True)
    _ensure_jars(paths)
    _write_if_changed(paths.conf_dir / "neo4j.conf", _neo4j_conf(paths))
    # The initial password only counts until the system database exists (first start).
    if not (paths.data_dir / "databases" / "system").exists():
        _set_initial_password(paths, java, password)

    cmd = [
        java,
        f"-Xms{HEAP_INITIAL}",
        f"-Xmx{HEAP_MAX}",
        *JVM_FLAGS,
        "-cp",
        str(paths.lib_dir / "*"),
        ENTRY_POINT,
        "--home-dir",
        str(paths.neo4j_home),
        "--config-dir",
        str(paths.conf_dir),
    ]
    LOG.info("neo4j: starting %s (log: %s)", neo4j_version(), paths.console_log)
    with open(paths.console_log, "ab") as console:
        # A session of its own: the server outlives this command and ignores its Ctrl-C.
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=paths.neo4j_home,
            env=_neo4j_env(paths),
            start_new_session=True,
        )
    paths.pid_file.write_text(f"{process.pid}\n")
    try:
        _wait_for_neo4j(paths, process.pid, NEO4J_START_TIMEOUT)
    except BaseException:
        _stop_pid(process.pid, NEO4J_STOP_TIMEOUT)
        paths.pid_file.unlink(missing_ok=True)
        raise
    LOG.info(
        "neo4j: ready on bolt://%s:%d and %s (pid %d, %.1f s)",
        HOST,
        BOLT_PORT,
        browser_url(),
        process.pid,
        time.monotonic() - started,
    )


def _stop_pid(pid: int, timeout: float) -> None:
    """SIGTERM, wait, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not _pid_alive(pid):
            return
        time.sleep(0.5)
    LOG.warning("pid %d ignored SIGTERM for %.0f s: sending SIGKILL", pid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    for _ in range(20):
        _reap(pid)
        if not _pid_alive(pid):
            return
        time.sleep(0.25)


def _neo4j_down() -> None:
    paths = _paths()
    pid = _neo4j_pid(paths)
    if pid is None:
        if paths.pid_file.exists():
            LOG.info("neo4j: not running (removing stale pid file)")
            paths.pid_file.unlink(missing_ok=True)
        else:
            LOG.info("neo4j: not started by this stack, nothing to stop")
        return
    LOG.info("neo4j: stopping pid %d", pid)
    _stop_pid(pid, NEO4J_STOP_TIMEOUT)
    paths.pid_file.unlink(missing_ok=True)
    LOG.info("neo4j: stopped")


def _neo4j_status() -> dict[str, Any]:
    paths = _paths()
    saved = _saved_pid(paths.pid_file)
    pid = _neo4j_pid(paths)
    bolt = _bolt_answers()
    http = _port_open(HTTP_PORT)
    return {
        "version": neo4j_version(),
        "pid": saved,
        "pid_alive": pid is not None,
        "bolt": bolt,
        "http": http,
        # True only if the process this stack started is alive AND serves Bolt.
        "running": pid is not None and bolt,
        # A Neo4j this stack did not start serves the port (e.g. docker compose); `up`
        # uses it when the stack's credentials work, `down` leaves it alone.
        "external": pid is None and bolt,
        "uri": f"bolt://{HOST}:{BOLT_PORT}",
        "browser": browser_url(),
        "home": str(paths.neo4j_home),
        "password_file": str(paths.password_file) if not os.environ.get(PASSWORD_ENV) else None,
    }


# --------------------------------------------------------------------------- RabbitMQ


def _rabbit_tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (
            path
            for path in (f"/usr/sbin/{name}", f"/usr/lib/rabbitmq/bin/{name}")
            if os.access(path, os.X_OK)
        ),
        None,
    )


def _rabbit_ping() -> bool:
    diagnostics = _rabbit_tool("rabbitmq-diagnostics")
    if diagnostics is None:
        return False
    try:
        return _run([diagnostics, "-q", "ping"], timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _rabbit_os_pid() -> str | None:
    """The OS pid of the running node: what tells our node from one started by others."""
    ctl = _rabbit_tool("rabbitmqctl")
    if ctl is None:
        return None
    try:
        result = _run([ctl, "-q", "eval", "os:getpid()."], timeout=60)
    except subprocess.TimeoutExpired:
        return None
    pid = result.stdout.strip().strip('"')
    return pid if result.returncode == 0 and pid.isdigit() else None


def _rabbit_running() -> bool:
    return _port_open(AMQP_PORT) and _rabbit_ping()


def _ensure_rabbitmq_installed() -> None:
    if _rabbit_tool("rabbitmq-server") and _rabbit_tool("rabbitmq-diagnostics"):
        return
    LOG.info("rabbitmq: rabbitmq-server missing, installing it with apt-get")
    apt_install("rabbitmq-server")
    if not _rabbit_tool("rabbitmq-server"):
        raise StackError("apt-get installed rabbitmq-server but its commands are not found")


def _enable_management() -> None:
    # Cheap once enabled (the file says so); failing to enable it costs only the web UI.
    enabled = Path("/etc/rabbitmq/enabled_plugins")
    with contextlib.suppress(OSError):
        if "rabbitmq_management" in enabled.read_text():
            return
    plugins = _rabbit_tool("rabbitmq-plugins")
    if plugins is None:
        return
    try:
        result = _run([plugins, "-q", "enable", "rabbitmq_management"], timeout=120)
    except subprocess.TimeoutExpired:
        LOG.warning("rabbitmq: enabling the management plugin timed out (optional)")
        return
    if result.returncode != 0:
        LOG.warning("rabbitmq: could not enable the management plugin (optional)")
    else:
        LOG.info("rabbitmq: management UI on http://%s:15672/ (guest/guest)", HOST)


# The pool queues of `cdm-graph sync`: "cdm-graph" and the like of "cdm-graph-tests-1".
REJECTING_QUEUES = "^cdm-graph(-.*)?$"


def set_rejected_policy(queue_pattern: str = REJECTING_QUEUES, vhost: str = "/") -> None:
    """Dead-letter what oslo.messaging rejects (bodies it cannot parse) from the queues
    matching ``queue_pattern`` in ``vhost`` to the exchange ``cdm-graph sync`` drains into
    its store."""
    ctl = _rabbit_tool("rabbitmqctl")
    if ctl is None:
        raise StackError("rabbitmqctl not found: cannot set the dead-letter policy")
    definition = json.dumps({"dead-letter-exchange": REJECTED_EXCHANGE})
    name = "cdm-graph-rejected-" + hashlib.sha256(queue_pattern.encode()).hexdigest()[:8]
    result = _run(
        [ctl, "-q", "set_policy", "-p", vhost, name, queue_pattern, definition,
         "--apply-to", "queues"],
        timeout=60,
    )
    if result.returncode != 0:
        raise StackError("rabbitmqctl set_policy failed:\n" + (result.stdout + result.stderr))


def _rabbitmq_up() -> None:
    paths = _paths()
    if _rabbit_running():
        LOG.info("rabbitmq: already running")
        _enable_management()
        set_rejected_policy()
        return
    started = time.monotonic()
    _ensure_rabbitmq_installed()
    if not _rabbit_ping():
        server = _rabbit_tool("rabbitmq-server")
        assert server is not None
        # AMQP on loopback only; Debian's wrapper runs the node as the rabbitmq user and
        # passes the environment through su.
        env = dict(os.environ, RABBITMQ_NODE_IP_ADDRESS=HOST)
        LOG.info("rabbitmq: starting rabbitmq-server -detached")
        result = _run([server, "-detached"], timeout=120, env=env)
        if result.returncode != 0:
            raise StackError(
                "rabbitmq-server -detached failed:\n" + (result.stdout + result.stderr)[-2000:]
            )
        paths.root.mkdir(parents=True, exist_ok=True)
        paths.rabbitmq_marker.write_text("starting\n")
    deadline = time.monotonic() + RABBITMQ_START_TIMEOUT
    while time.monotonic() < deadline:
        if _rabbit_running():
            break
        time.sleep(1.0)
    else:
        raise StackError(
            f"RabbitMQ did not answer `rabbitmq-diagnostics ping` and port {AMQP_PORT} within "
            f"{RABBITMQ_START_TIMEOUT:.0f} s; see /var/log/rabbitmq/"
        )
    if paths.rabbitmq_marker.exists():
        os_pid = _rabbit_os_pid()
        paths.rabbitmq_marker.write_text(f"{os_pid or 'unknown'}\n")
    _enable_management()
    set_rejected_policy()
    LOG.info(
        "rabbitmq: ready on %s (%.1f s)",
        transport_url().replace("guest:guest@", ""),
        time.monotonic() - started,
    )


def _rabbitmq_down() -> None:
    paths = _paths()
    try:
        recorded = paths.rabbitmq_marker.read_text().strip()
    except FileNotFoundError:
        LOG.info("rabbitmq: not started by this stack, leaving it alone")
        return
    if not _rabbit_ping():
        LOG.info("rabbitmq: not running")
        paths.rabbitmq_marker.unlink(missing_ok=True)
        return
    current = _rabbit_os_pid()
    if recorded.isdigit() and current is not None and current != recorded:
        LOG.info("rabbitmq: the running node (pid %s) is not the one this stack started", current)
        paths.rabbitmq_marker.unlink(missing_ok=True)
        return
    ctl = _rabbit_tool("rabbitmqctl")
    assert ctl is not None
    LOG.info("rabbitmq: stopping the node this stack started")
    result = _run([ctl, "-q", "stop"], timeout=120)
    if result.returncode != 0:
        raise StackError("rabbitmqctl stop failed:\n" + (result.stdout + result.stderr)[-2000:])
    paths.rabbitmq_marker.unlink(missing_ok=True)
    LOG.info("rabbitmq: stopped")


def _rabbitmq_status() -> dict[str, Any]:
    paths = _paths()
    amqp = _port_open(AMQP_PORT)
    ping = _rabbit_ping()
    return {
        "installed": _rabbit_tool("rabbitmq-server") is not None,
        "ping": ping,
        "amqp": amqp,
        "running": ping and amqp,
        "started_by_stack": paths.rabbitmq_marker.exists(),
        "transport_url": transport_url(),
    }


# --------------------------------------------------------------------------- public API


def _selected(services: Iterable[str] | None) -> list[str]:
    chosen = list(services) if services else list(SERVICES)
    unknown = sorted(set(chosen) - set(SERVICES))
    if unknown:
        raise StackError(f"unknown service(s) {unknown}; choose from {list(SERVICES)}")
    return chosen


def up(services: Iterable[str] | None = None) -> None:
    """Start Neo4j and RabbitMQ (or the named ones) unless running; wait until they answer.

    Writes cdm-graph's configuration file for the stack first (``config_file()``)."""
    chosen = _selected(services)
    _paths().root.mkdir(parents=True, exist_ok=True)
    write_config()
    if "neo4j" in chosen:
        _neo4j_up()
    if "rabbitmq" in chosen:
        _rabbitmq_up()


def down(services: Iterable[str] | None = None) -> None:
    """Stop what ``up`` started, and only that."""
    chosen = _selected(services)
    if "neo4j" in chosen:
        _neo4j_down()
    if "rabbitmq" in chosen:
        _rabbitmq_down()


def status(services: Iterable[str] | None = None) -> dict[str, Any]:
    """What is running, checked for real: the saved pid is alive and the port answers."""
    report: dict[str, Any] = {"stack_dir": str(stack_dir()), "config_file": str(config_file())}
    chosen = _selected(services)
    if "neo4j" in chosen:
        report["neo4j"] = _neo4j_status()
    if "rabbitmq" in chosen:
        report["rabbitmq"] = _rabbitmq_status()
    return report


ACTIONS = ("up", "down", "status")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """``up|down|status [neo4j|rabbitmq ...]``; no service named means both."""
    parser = argparse.ArgumentParser(
        prog="tools/stack", description="Local Neo4j and RabbitMQ for development and tests."
    )
    parser.add_argument("action", choices=ACTIONS)
    # Checked below rather than with choices=: Python 3.11 checks the empty default of a
    # nargs="*" positional against the choices and refuses a bare `up`.
    parser.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"any of {', '.join(SERVICES)} (all if none)"
    )
    args = parser.parse_args(list(argv))
    unknown = [name for name in args.services if name not in SERVICES]
    if unknown:
        parser.error(f"unknown service {unknown[0]!r} (choose from {', '.join(SERVICES)})")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """``tools/stack up|down|status [neo4j|rabbitmq ...]``.

    ``status`` prints JSON and exits 0 when every service named (both if none) answers,
    started by this stack or not, 3 otherwise (as LSB init scripts do), so scripts can test it.
    """
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        if args.action == "up":
            started = time.monotonic()
            up(args.services)
            LOG.info("stack up (%.1f s)", time.monotonic() - started)
            # The file's name only: the password stays in the file.
            LOG.info(
                "cdm-graph's settings for it are in %s; for cdm-graph's commands:\n"
                "    export %s=%s",
                config_file(),
                CONFIG_FILE_ENV,
                config_file(),
            )
            return 0
        if args.action == "down":
            down(args.services)
            return 0
        report = status(args.services)
        print(json.dumps(report, indent=2))
        chosen = _selected(args.services)
        serving = all(report[name]["running"] or report[name].get("external") for name in chosen)
        return 0 if serving else 3
    except StackError as exc:
        print(f"tools/stack {args.action}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
