"""Shared fixtures: a real Neo4j and a real RabbitMQ for the functional tests.

Where each comes from, first match wins:

1. the environment: ``NEO4J_URI`` / ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD`` and
   ``TRANSPORT_URL`` (a server someone already runs);
2. testcontainers, where a Docker engine answers (``docker info``);
3. the local stack (``devstack``, the repository's ``tools/stack``): started if it is not
   running, and left running afterwards, so the next test run starts at once
   (``tools/stack down`` stops it).

Fixtures:

* ``neo4j_target`` (session): dict with ``uri``, ``username``, ``password`` and ``source``
  (``"env"``, ``"testcontainers"`` or ``"stack"``).
* ``neo4j_driver`` (session): a ``neo4j.Driver`` connected to it.
* ``graph`` (function): the same driver, after deleting every node and relationship
  (constraints and indexes stay, so the schema is created once per session).
* ``transport_url`` (session): an oslo.messaging transport URL of the RabbitMQ.

Tests using any of them are marked ``functional`` automatically, so ``-m "not functional"``
runs the rest without any server.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from devstack import stack
from tests.bus import delete_queue

FUNCTIONAL_FIXTURES = frozenset({"neo4j_target", "neo4j_driver", "graph", "transport_url"})

NEO4J_IMAGE = "neo4j:5.26-community"
RABBITMQ_IMAGE = "rabbitmq:3-management"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if FUNCTIONAL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.functional)


@functools.cache
def docker_available() -> bool:
    """A Docker engine answers (the docker CLI alone is not enough)."""
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        result = subprocess.run([docker, "info"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _stack_up(service: str) -> None:
    try:
        stack.up([service])
    except stack.StackError as exc:
        pytest.fail(
            f"no {service} for the functional tests: not in the environment, no Docker "
            f"engine, and the local stack failed: {exc}",
            pytrace=False,
        )


# --------------------------------------------------------------------------- Neo4j


@pytest.fixture(scope="session")
def neo4j_target() -> Iterator[dict[str, Any]]:
    if os.environ.get("NEO4J_URI"):
        yield {
            "uri": os.environ["NEO4J_URI"],
            "username": os.environ.get("NEO4J_USERNAME", "neo4j"),
            "password": os.environ.get("NEO4J_PASSWORD"),
            "source": "env",
        }
        return
    if docker_available():
        try:
            from testcontainers.community.neo4j import Neo4jContainer
        except ImportError:  # testcontainers before 4.10 kept the module at the top level
            from testcontainers.neo4j import Neo4jContainer
        password = secrets.token_urlsafe(16)
        with Neo4jContainer(NEO4J_IMAGE, password=password) as container:
            yield {
                "uri": container.get_connection_url(),
                "username": container.username,
                "password": password,
                "source": "testcontainers",
            }
        return
    _stack_up("neo4j")
    yield {**stack.neo4j_settings(), "source": "stack"}


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_target: dict[str, Any]) -> Iterator[Any]:
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(
        neo4j_target["uri"], auth=(neo4j_target["username"], neo4j_target["password"])
    )
    try:
        driver.verify_connectivity()
        yield driver
    finally:
        driver.close()


@pytest.fixture
def graph(neo4j_driver: Any) -> Iterator[Any]:
    # DETACH DELETE leaves constraints and indexes alone: the schema survives between tests.
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    yield neo4j_driver


# --------------------------------------------------------------------------- RabbitMQ


@pytest.fixture(scope="session")
def transport_url() -> Iterator[str]:
    if os.environ.get("TRANSPORT_URL"):
        yield os.environ["TRANSPORT_URL"]
        return
    if docker_available():
        try:
            try:
                from testcontainers.community.rabbitmq import RabbitMqContainer
            except ImportError:
                from testcontainers.rabbitmq import RabbitMqContainer
        except ImportError:
            # Its readiness probe needs pika (testcontainers[rabbitmq]); use the stack.
            RabbitMqContainer = None
        if RabbitMqContainer is not None:
            with RabbitMqContainer(RABBITMQ_IMAGE) as container:
                host = container.get_container_host_ip()
                port = container.get_exposed_port(container.port)
                yield f"rabbit://{container.username}:{container.password}@{host}:{port}/"
            return
    _stack_up("rabbitmq")
    _drop_default_notification_queues(stack.transport_url())
    yield stack.transport_url()


# The queues a Notifier declares so that nothing is lost without listeners (topic.priority).
DEFAULT_NOTIFICATION_QUEUES = ("versioned_notifications.info", "versioned_notifications.error")


def _drop_default_notification_queues(url: str) -> None:
    """Delete the default notification queues a run killed earlier left on the stack's
    broker, unless someone consumes them.

    The stack's RabbitMQ is Debian's node, whose queues outlive a test run. A queue keeps
    the durability it was declared with: left durable by a test with durable queues, every
    later Notifier without them fails to declare it (406 PRECONDITION_FAILED) and publishes
    nothing. Only the local stack's broker is cleared; one from the environment may hold
    real notifications."""
    for name in DEFAULT_NOTIFICATION_QUEUES:
        delete_queue(url, name, if_unused=True)
