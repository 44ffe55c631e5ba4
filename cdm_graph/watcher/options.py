"""The ``[cdm_graph]`` group of Watcher's own configuration: where the graph's Neo4j is.

The graph strategies run inside watcher-decision-engine, so they read Watcher's
configuration (``/etc/watcher/watcher.conf``), not cdm-graph's. The options are cdm-graph's
``[neo4j]`` options under another group name::

    [cdm_graph]
    uri = neo4j://graph.example:7687
    username = watcher
    password = ...          # or OS_CDM_GRAPH__PASSWORD in the service's environment

The password is a secret option: oslo.config masks it when it logs the configuration, and
it never goes on a command line. ``oslo-config-generator --namespace cdm_graph.watcher``
writes the group into a sample ``watcher.conf``.
"""

from __future__ import annotations

from collections.abc import Sequence

from oslo_config import cfg

from cdm_graph import config
from cdm_graph.gateway import Neo4jSettings

GROUP = cfg.OptGroup(
    "cdm_graph",
    title="cdm-graph's Neo4j, read by the graph strategies (graph_host_maintenance...)",
)


def register(conf: cfg.ConfigOpts) -> None:
    """Register the group once (Watcher's loader may load a strategy many times)."""
    if GROUP.name not in conf:
        conf.register_group(GROUP)
        conf.register_opts(config.neo4j_opts, group=GROUP)


def settings(conf: cfg.ConfigOpts) -> Neo4jSettings:
    """The graph's Neo4j as ``[cdm_graph]`` says; RequiredOptError without a password."""
    register(conf)
    return config.neo4j_settings(conf, GROUP.name)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    """Entry point for oslo-config-generator (namespace ``cdm_graph.watcher``)."""
    return [(GROUP.name, config.neo4j_opts)]
