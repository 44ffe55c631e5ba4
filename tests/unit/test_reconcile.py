"""Reconcile without Neo4j: listing the emulated cloud, the options, the periodic loop."""

from __future__ import annotations

import io
import logging
import threading

import pytest
from oslo_config import cfg

from cdm_graph import config
from cdm_graph.reconcile import (
    Summary,
    connect,
    periodic_duty,
    progress_for,
    reconcile,
    terminal_progress,
)
from cdm_graph.reconcile.listing import list_cloud, no_progress
from cdm_graph.sync.duties import Duty, run_periodically

UUID = "178b0921-8f85-4257-88b6-2e743b5a975c"


def test_a_listing_that_fails_midway_is_incomplete(cloud, connection):
    cloud.max_limit = 1
    cloud.add_server(UUID, "h1")
    cloud.add_server("00000000-0000-0000-0000-000000000001", "h1")
    cloud.fail("/servers/detail", on_request=2)
    listing = list_cloud(connection)
    assert not listing.complete
    assert "500" in (listing.error or "")
    assert [server.uuid for server in listing.servers] == [UUID]


def test_a_server_without_an_id_makes_an_incomplete_listing(cloud, connection):
    cloud.answer("/servers/detail", {"servers": [{"name": "no id"}]})
    listing = list_cloud(connection)
    assert not listing.complete
    assert "malformed response" in (listing.error or "")


def test_a_response_without_its_collection_makes_an_incomplete_listing(cloud, connection):
    cloud.answer("/os-services", {"message": "maintenance"})
    listing = list_cloud(connection)
    assert not listing.complete
    assert "no list of services" in (listing.error or "")
    assert listing.compute_nodes == []


def test_refused_credentials_make_an_incomplete_listing(cloud, tmp_path):
    clouds_yaml = cloud.write_clouds_yaml(tmp_path / "clouds.yaml", "emulated", "wrong")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_yaml))
        listing = list_cloud(connect("emulated"))
    assert not listing.complete
    assert listing.compute_nodes == []


@pytest.mark.parametrize(
    ("code", "spelled"),
    [(0, "pending"), (1, "running"), (3, "paused"), (4, "shutdown"), (6, "crashed"),
     (7, "suspended")],
)
def test_power_states_read_as_notifications_spell_them(cloud, connection, code, spelled):
    cloud.add_server(UUID, "h1", power_state=code)
    [server] = list_cloud(connection).servers
    assert server.properties["power_state"] == spelled


def test_a_volume_backed_server_has_no_root_disk_on_the_hypervisor(cloud, connection):
    cloud.add_server(
        UUID, "h1", image_uuid=None,
        flavor={"original_name": "m1.big", "vcpus": 2, "ram": 4096, "disk": 40,
                "ephemeral": 10, "swap": 1536, "extra_specs": {}},
    )
    [server] = list_cloud(connection).servers
    assert server.properties["image_uuid"] is None
    assert server.properties["disk_gb"] == 10 + 2  # ephemeral, and swap in whole GiB


def test_a_flavor_without_swap_counts_none(cloud, connection):
    cloud.add_server(UUID, "h1")  # 2.73 shows no swap as ""
    [server] = list_cloud(connection).servers
    assert (server.properties["swap_mb"], server.properties["disk_gb"]) == (0, 20)


def test_a_lock_without_reason_reads_as_no_reason(cloud, connection):
    cloud.add_server(UUID, "h1", locked=True, locked_reason="")
    [server] = list_cloud(connection).servers
    assert (server.properties["locked"], server.properties["locked_reason"]) == (True, None)


def test_fields_the_api_does_not_show_are_left_out(cloud, connection):
    cloud.add_server(UUID, "h1")
    [node] = list_cloud(connection).compute_nodes
    [server] = list_cloud(connection).servers
    assert "service_version" not in node.properties
    assert {"architecture", "flavor_id"}.isdisjoint(server.properties)


def test_an_unscheduled_server_has_no_host(cloud, connection):
    cloud.add_server(UUID, None, vm_state="building", task_state="scheduling")
    [server] = list_cloud(connection).servers
    assert (server.host, server.node) == (None, None)


def test_the_reconcile_options_reach_the_sample_config_generator():
    options = dict(config.list_opts())
    assert {opt.name for opt in options["reconcile"]} == {
        "interval", "cloud", "page_size", "batch_size", "writers"
    }


def test_the_periodic_reconcile_is_off_by_default():
    conf = cfg.ConfigOpts()
    config.register(conf)
    conf(args=[], default_config_files=[])
    assert conf.reconcile.interval == 0
    assert periodic_duty(conf, writer=None) is None  # type: ignore[arg-type]


def test_a_failing_periodic_reconcile_is_logged_and_the_next_one_runs(caplog):
    stopping = threading.Event()
    rounds: list[int] = []

    def reconcile_once() -> Summary:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("Nova unreachable")
        stopping.set()
        return Summary()

    with caplog.at_level(logging.WARNING, logger="cdm_graph.sync.duties"):
        run_periodically(Duty("reconcile", 0.01, reconcile_once), stopping)
    assert rounds == [0, 1]
    assert "Nova unreachable" in caplog.text


def test_the_periodic_reconcile_ends_when_the_service_stops():
    stopping = threading.Event()
    rounds: list[Summary] = []

    def reconcile_once() -> Summary:
        rounds.append(Summary())
        stopping.set()
        return rounds[-1]

    run_periodically(Duty("reconcile", 3600, reconcile_once), stopping)
    assert len(rounds) == 1


def test_a_progress_bar_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_for(io.StringIO()) is no_progress
    assert progress_for(Terminal()) is terminal_progress


def test_an_unknown_cloud_makes_an_incomplete_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "clouds.yaml"))
    summary = reconcile("no-such-cloud", writer=None)  # type: ignore[arg-type]
    assert not summary.complete
    assert "no-such-cloud" in (summary.error or "")
