"""Watcher's own handler on the same stream: python-watcher's ``VersionedNotification``
endpoint applied to its in-memory ``ModelRoot``, as Watcher's decision engine runs it.

The model starts as the cloud the build stream leaves (nodes and instances mapped), so
Watcher never needs to ask Nova about a host. Should it still meet an unknown node, it would
call Nova and Placement: those two helpers are replaced by stubs that answer at once (and
are counted), which is the only thing not Watcher's own here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.stream import CloudState
from cdm_graph.simulate import Notification


@dataclass(frozen=True, slots=True)
class WatcherResult:
    handled: int
    seconds: float
    total: int
    nova_calls: int
    failed: int
    version: str

    @property
    def per_second(self) -> float:
        return self.handled / self.seconds if self.seconds > 0 else 0.0


class _Collector:
    """What the endpoint reads of Watcher's collector: the model and its sync lock."""

    def __init__(self, model: Any) -> None:
        self.cluster_data_model = model
        self.sync_lock = threading.Lock()


class _UnknownNodes:
    """Nova's and Placement's answers for a node the model lacks, without a network."""

    def __init__(self) -> None:
        self.calls = 0

    def get_compute_node_by_hostname(self, hostname: str) -> Any:
        return self._node(hostname)

    def get_compute_node_by_uuid(self, node_uuid: str) -> Any:
        return self._node(node_uuid)

    def get_inventories(self, _node_uuid: str) -> dict[str, Any]:
        return {}

    def _node(self, name: str) -> Any:
        from types import SimpleNamespace

        self.calls += 1
        return SimpleNamespace(
            uuid=f"stub-{name}", service_host=name, vcpus=32, memory_mb=131072, local_gb=1000,
            state="up", status="enabled", service_disabled_reason=None,
        )  # fmt: skip


def model_of(state: CloudState) -> Any:
    from watcher.decision_engine.model import element, model_root

    model = model_root.ModelRoot()
    node_uuids: dict[str, str] = {}
    for host in state.hosts:
        node = element.ComputeNode(
            uuid=host.service_uuid,
            hostname=host.hostname,
            status="disabled" if host.disabled else "enabled",
            state="up",
            disabled_reason=host.disabled_reason,
            vcpus=64, vcpu_reserved=0, vcpu_ratio=4.0,
            memory=262144, memory_mb_reserved=0, memory_ratio=1.5,
            disk=4000, disk_gb_reserved=0, disk_ratio=1.0,
        )  # fmt: skip
        model.add_node(node)
        node_uuids[host.hostname] = host.service_uuid
    for item in state.instances:
        instance = element.Instance(
            uuid=item.uuid, name=item.name, state=item.state, project_id=item.project_id,
            vcpus=item.vcpus, memory=item.memory_mb, disk=item.disk_gb, locked=False,
            metadata={}, flavor_extra_specs={},
        )  # fmt: skip
        model.add_instance(instance)
        if item.host is not None:
            model.map_instance(instance, model.get_node_by_uuid(node_uuids[item.host]))
    return model


def run_watcher(
    state: CloudState, stream: Sequence[Notification], time_budget: float
) -> WatcherResult:
    """Feed ``stream`` to Watcher's endpoint, stopping after ``time_budget`` seconds: its
    cost per notification grows with the cloud, and the whole stream may take hours."""
    from importlib.metadata import version

    from watcher.decision_engine.model.notification.nova import VersionedNotification

    endpoint = VersionedNotification(_Collector(model_of(state)))
    stubs = _UnknownNodes()
    endpoint._nova = stubs
    endpoint._placement_helper = stubs
    metadata = {"message_id": "bench", "timestamp": "2026-01-01 00:00:00.000000"}
    handled = 0
    started = time.perf_counter()
    deadline = started + time_budget
    failed = 0
    for notification in stream:
        try:
            endpoint.info({}, notification.publisher_id, notification.event_type,
                          notification.payload, metadata)  # fmt: skip
        except Exception:
            # oslo.messaging's dispatcher logs an endpoint's exception and acknowledges the
            # message: Watcher loses it (a shelved-offloaded instance has host None, which
            # its element refuses). Counted, as it costs Watcher the same work.
            failed += 1
        handled += 1
        # Checking the clock every message would cost Watcher a little; every 100 is enough.
        if handled % 100 == 0 and time.perf_counter() > deadline:
            break
    return WatcherResult(
        handled,
        time.perf_counter() - started,
        len(stream),
        stubs.calls,
        failed,
        version("python-watcher"),
    )
