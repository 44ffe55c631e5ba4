"""The stored graph a batch is resolved against, as the plan's unit tests build it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cdm_graph.families.compute_node import NAME as COMPUTE_NODE
from cdm_graph.families.compute_node import StoredComputeNode, StoredComputeNodes
from cdm_graph.families.instance import NAME as INSTANCE
from cdm_graph.families.instance import StoredInstance


def stored_graph(
    instances: Mapping[str, StoredInstance],
    compute_nodes: Mapping[str, StoredComputeNode],
    hosted_instances: Mapping[str, list[tuple[str, datetime]]] | None = None,
) -> dict[str, Any]:
    """Family name -> its stored state: the instances, the compute nodes, and for compute
    nodes being deleted the instances on them with the time each was placed."""
    return {
        INSTANCE: dict(instances),
        COMPUTE_NODE: StoredComputeNodes(dict(compute_nodes), dict(hosted_instances or {})),
    }
