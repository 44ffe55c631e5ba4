"""The Neo4j Browser view: display labels on the real Neo4j, and the Browser itself, in
Debian's headless Chromium, drawing the known cloud with cdm-graph.grass."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from cdm_graph.apply.pipeline import process_batch
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.gateway import Gateway
from cdm_graph.read import browser
from devstack import stack
from tests import browser as driving
from tests import cloud

pytestmark = pytest.mark.functional

DOWN_RED = "#F16667"
DISABLED_AMBER = "#FFC454"
ENABLED_GREEN = "#57C785"
UNDESCRIBED_GREY = "#C8CCD2"
ZONE_GREEN = "#8DCC93"
AGGREGATE_PURPLE = "#C990C0"
SERVER_GROUP_ORANGE = "#F79767"


@pytest.fixture
def labelled(apply, graph):
    cloud.build(apply, graph)
    browser.label_compute_nodes(Gateway(graph))
    return graph


def labels_of(driver) -> dict[str, set[str]]:
    records, _, _ = driver.execute_query(
        "MATCH (c:ComputeNode) RETURN c.hostname AS hostname, labels(c) AS labels"
    )
    return {record["hostname"]: set(record["labels"]) - {"ComputeNode"} for record in records}


def test_display_labels_show_status_state_and_load(labelled):
    assert labels_of(labelled) == {
        "compute-1": {"Enabled", "Up", "LoadLow"},
        "compute-2": {"Enabled", "Up", "LoadOver"},
        "compute-3": {"Disabled", "Up", "LoadLow"},
        "compute-4": {"Enabled", "Down", "LoadUnknown"},
        "compute-5": {"Enabled", "Up", "LoadLow"},
        "compute-9": {"Undescribed", "LoadUnknown"},
    }


def test_display_labels_follow_a_change_when_refreshed(labelled):
    labelled.execute_query(
        "MATCH (c:ComputeNode {hostname: 'compute-1'}) SET c.state = 'down', c.vcpus = 2"
    )
    browser.label_compute_nodes(Gateway(labelled))
    assert labels_of(labelled)["compute-1"] == {"Enabled", "Down", "LoadOver"}


def test_the_style_colours_every_display_label():
    style = browser.style()
    for label in ("ComputeNode", "Instance", "Enabled", "Disabled", "Up", "Down", "Undescribed",
                  "LoadUnknown", "LoadLow", "LoadMedium", "LoadHigh", "LoadOver",
                  "AvailabilityZone", "Aggregate", "ServerGroup", "Flavor"):
        # A label without its own colour gets one of the Browser's, which then wins.
        rule = style.split(f"node.{label} {{", 1)[1].split("}", 1)[0]
        assert "color:" in rule and "caption:" in rule, label


# ------------------------------------------------------------------ the Browser itself


@pytest.fixture(scope="module")
def page(neo4j_driver, neo4j_target, schema_applied):
    """One Browser session for the tests below (Chromium is slow to start on 2 cores): the
    known cloud, labelled, drawn with the style."""
    if neo4j_target["source"] != "stack":
        pytest.skip("the Browser is served by the local stack's Neo4j only")
    if driving.chromium_paths() is None:
        pytest.skip("chromium and chromedriver missing (tools/run-tests installs them)")
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    writer = GraphWriter(neo4j_driver)
    cloud.build(lambda *envelopes: process_batch(writer, list(envelopes)), neo4j_driver)
    browser.label_compute_nodes(Gateway(neo4j_driver))
    target = driving.BrowserTarget(
        browser_url=stack.browser_url(),
        bolt_address=f"{stack.HOST}:{stack.BOLT_PORT}",
        username=neo4j_target["username"],
        password=neo4j_target["password"],
    )
    with driving.chromium() as driver, driving.serve_file(Path(str(browser.style_file()))) as url:
        driving.log_in(driver, target)
        # Six compute nodes and the seven instances they host (vm-h has no host).
        driving.show_graph(driver, url, browser.VIEW_QUERY, expected_nodes=13)
        yield driver


def node_id(driver, hostname: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (c:ComputeNode {hostname: $hostname}) RETURN elementId(c) AS id", hostname=hostname
    )
    return str(records[0]["id"]).rsplit(":", 1)[-1]


def test_browser_draws_every_compute_node_and_hosted_instance(page):
    assert driving.rendered_nodes(page) == 13


def test_browser_colours_compute_nodes_by_state_and_status(page, neo4j_driver):
    def fill(hostname: str) -> str | None:
        return driving.node_fill(page, node_id(neo4j_driver, hostname))

    assert fill("compute-1") == ENABLED_GREEN
    assert fill("compute-3") == DISABLED_AMBER
    assert fill("compute-4") == DOWN_RED
    assert fill("compute-9") == UNDESCRIBED_GREY


def test_browser_sizes_compute_nodes_by_load(page, neo4j_driver):
    overcommitted = driving.node_radius(page, node_id(neo4j_driver, "compute-2"))
    lightly_loaded = driving.node_radius(page, node_id(neo4j_driver, "compute-1"))
    assert overcommitted > lightly_loaded


def test_browser_captions_compute_nodes_with_their_hostname(page, neo4j_driver):
    # compute-2 is drawn largest (overcommitted): its caption is not shortened to fit.
    assert driving.node_caption(page, node_id(neo4j_driver, "compute-2")) == "compute-2"


def test_browser_screenshot_shows_the_coloured_graph(page, tmp_path):
    png = page.get_screenshot_as_png()
    (tmp_path / "browser.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 50, "a blank page has a handful of colours"
    for hex_colour in (DOWN_RED, DISABLED_AMBER, ENABLED_GREEN):
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, hex_colour


# ------------------------------------------------------------------ the cloud's groupings


@pytest.fixture(scope="module")
def grouped_page(neo4j_driver, neo4j_target, schema_applied):
    """The known cloud with its zones, aggregates and server groups, drawn with the style
    through the groupings view."""
    if neo4j_target["source"] != "stack":
        pytest.skip("the Browser is served by the local stack's Neo4j only")
    if driving.chromium_paths() is None:
        pytest.skip("chromium and chromedriver missing (tools/run-tests installs them)")
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    writer = GraphWriter(neo4j_driver)
    cloud.build_with_groupings(
        lambda *envelopes: process_batch(writer, list(envelopes)), neo4j_driver
    )
    browser.label_compute_nodes(Gateway(neo4j_driver))
    target = driving.BrowserTarget(
        browser_url=stack.browser_url(),
        bolt_address=f"{stack.HOST}:{stack.BOLT_PORT}",
        username=neo4j_target["username"],
        password=neo4j_target["password"],
    )
    with driving.chromium() as driver, driving.serve_file(Path(str(browser.style_file()))) as url:
        driving.log_in(driver, target)
        # Seven compute nodes, two zones, two aggregates, three server groups and the five
        # members they have on hosts.
        driving.show_graph(driver, url, browser.GROUPINGS_VIEW_QUERY, expected_nodes=19)
        yield driver


def element_id(driver, label: str, key: str, value: str) -> str:
    records, _, _ = driver.execute_query(
        f"MATCH (n:{label} {{{key}: $value}}) RETURN elementId(n) AS id", value=value
    )
    return str(records[0]["id"]).rsplit(":", 1)[-1]


def test_browser_draws_zones_aggregates_and_server_groups(grouped_page):
    assert driving.rendered_nodes(grouped_page) == 19


def test_browser_colours_and_captions_zones_aggregates_and_server_groups(
    grouped_page, neo4j_driver
):
    for label, key, value, colour in (
        ("AvailabilityZone", "name", "az-1", ZONE_GREEN),
        ("Aggregate", "name", "agg-ssd", AGGREGATE_PURPLE),
        ("ServerGroup", "name", "web", SERVER_GROUP_ORANGE),
    ):
        drawn = element_id(neo4j_driver, label, key, value)
        assert driving.node_fill(grouped_page, drawn) == colour, label
        assert driving.node_caption(grouped_page, drawn) == value, label
