"""``cdm-graph simulate``: a synthetic Nova publishing a realistic notification stream.

- ``cloud``: the simulated cloud's records (hosts, instances, flavors, aggregates, server
  groups) as Nova's databases hold them, and ``cloud_truth``, what Nova knows of them in the
  terms of the graph;
- ``payloads``: the versioned payloads Nova sends about them, with the names, versions and
  fields of Nova's own samples;
- ``simulator``: ``NovaSimulator``, the cloud built and changed by operations as Nova's
  compute manager and API report them, deterministic for a seed;
- ``publish``: sending them as Nova does (messagingv2, exchange ``nova``, publisher
  ``<binary>:<host>``, oslo.messaging's metadata), paced.

Its stream can also be written as JSON lines for ``cdm-graph replay``, and it knows the truth
the stream ends with (``--truth``).
"""

from __future__ import annotations

import json

from cdm_graph.simulate.cloud import (
    DEFAULT_ZONE,
    FLAVORS,
    Flavor,
    SimulatedAggregate,
    SimulatedFlavor,
    SimulatedHost,
    SimulatedInstance,
    SimulatedServerGroup,
    cloud_truth,
)
from cdm_graph.simulate.payloads import Notification
from cdm_graph.simulate.publish import NovaNotifier, Pacer
from cdm_graph.simulate.simulator import OPERATION_WEIGHTS, NovaSimulator, Operation

__all__ = [
    "DEFAULT_ZONE",
    "FLAVORS",
    "OPERATION_WEIGHTS",
    "Flavor",
    "Notification",
    "NovaNotifier",
    "NovaSimulator",
    "Operation",
    "Pacer",
    "SimulatedAggregate",
    "SimulatedFlavor",
    "SimulatedHost",
    "SimulatedInstance",
    "SimulatedServerGroup",
    "cloud_truth",
    "write_truth",
]


def write_truth(simulator: NovaSimulator, path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(simulator.truth(), out, indent=1, sort_keys=True)
