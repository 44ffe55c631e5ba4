"""Drive the Neo4j Browser in Debian's headless Chromium (selenium and chromedriver): log in
by typing into the form, load the GraSS style, run the view query, take a screenshot.

The password is typed into the login form: it never appears in a URL or on a command line.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

# Generous: the first start of Chromium and of the Browser's bundle is slow on 2 cores.
PAGE_TIMEOUT = 120.0
WINDOW = (1400, 1000)


def chromium_paths() -> tuple[str, str] | None:
    """Debian's chromium and chromedriver, if installed."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@contextlib.contextmanager
def chromium() -> Iterator[WebDriver]:
    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are missing: apt-get install chromium "
                           "chromium-driver (tools/run-tests does)")
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    # An explicit chromedriver: selenium then never tries to download one.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    driver.set_script_timeout(PAGE_TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


# The style server runs in a process of its own: in this one, an http.server thread's
# shutdown can block for ever once eventlet is imported (python-watcher imports it).
_SERVE_ONE_FILE = """
import functools, http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    # The Browser fetches the style from its own origin: it needs CORS, preflight included.
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        super().end_headers()

    def do_OPTIONS(self):
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass

server = http.server.ThreadingHTTPServer(
    ("localhost", 0), functools.partial(Handler, directory=sys.argv[1])
)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def serve_file(path: Path) -> Iterator[str]:
    """Serve one file on localhost (the Browser's default remote content allowlist); its URL."""
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE_ONE_FILE, str(path.parent)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        yield f"http://localhost:{port}/{path.name}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass(frozen=True)
class BrowserTarget:
    browser_url: str  # http://127.0.0.1:7474/browser/
    bolt_address: str  # 127.0.0.1:7687
    username: str
    password: str


def _wait(driver: WebDriver, timeout: float = PAGE_TIMEOUT) -> WebDriverWait:
    return WebDriverWait(driver, timeout)


def log_in(driver: WebDriver, target: BrowserTarget) -> None:
    driver.get(target.browser_url)
    wait = _wait(driver)
    address = wait.until(
        expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=boltaddress]"))
    )
    Select(driver.find_element(By.CSS_SELECTOR, "[data-testid=bolt-scheme-select]")
           ).select_by_visible_text("bolt://")
    # The form's inputs are React-controlled: clear() leaves their value; select and type over.
    address.send_keys(Keys.CONTROL, "a")
    address.send_keys(target.bolt_address)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=username]").send_keys(target.username)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=password]").send_keys(target.password)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=connect]").click()
    wait.until(lambda d: "You are connected as user" in d.page_source)


def run_command(driver: WebDriver, command: str) -> None:
    """Type one line into the Browser's editor and run it."""
    editor = _wait(driver).until(
        expected_conditions.element_to_be_clickable(
            (By.CSS_SELECTOR, "#monaco-main-editor, [data-testid=activeEditor]")
        )
    )
    editor.click()
    typing = driver.switch_to.active_element
    typing.send_keys(command)
    typing.send_keys(Keys.ENTER)


def rendered_nodes(driver: WebDriver) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, "svg g.node"))


def show_graph(driver: WebDriver, style_url: str, query: str, expected_nodes: int) -> None:
    """Load the style, run the query, wait until its graph has ``expected_nodes`` nodes."""
    run_command(driver, f":style {style_url}")
    _wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=frameCommand]")
    )
    run_command(driver, query)
    _wait(driver).until(lambda d: rendered_nodes(d) >= expected_nodes)


def _drawn(driver: WebDriver, node_id: str) -> WebElement:
    """The drawn node of one graph node (``node_id``: the last part of its elementId)."""
    return driver.find_element(By.CSS_SELECTOR, f'svg g.node[aria-label="graph-node{node_id}"]')


def node_fill(driver: WebDriver, node_id: str) -> str | None:
    return _drawn(driver, node_id).find_element(By.CSS_SELECTOR, "circle.b-outline"
                                                ).get_attribute("fill")


def node_radius(driver: WebDriver, node_id: str) -> float:
    circle = _drawn(driver, node_id).find_element(By.CSS_SELECTOR, "circle.b-outline")
    return float(circle.get_attribute("r") or 0)


def node_caption(driver: WebDriver, node_id: str) -> str:
    texts = _drawn(driver, node_id).find_elements(By.CSS_SELECTOR, "text.caption")
    return " ".join(text.text.strip() for text in texts)


def settle(driver: WebDriver) -> None:
    """Wait until the force layout has stopped moving the nodes."""
    last: list[list[str | None]] = []

    def still(page: WebDriver) -> bool:
        positions = [node.get_attribute("transform")
                     for node in page.find_elements(By.CSS_SELECTOR, "svg g.node")]
        stopped = bool(last) and positions == last[-1]
        last.append(positions)
        return stopped

    WebDriverWait(driver, PAGE_TIMEOUT, poll_frequency=1.0).until(still)
