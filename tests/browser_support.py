"""Helpers for the browser tests: a `streamlit run` server on a free port and a headless Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_DIR = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-dev-shm-usage"]
# Two cores are shared by several people: a page of the national demo store may take long.
PAGE_TIMEOUT_MS = 60_000
SERVER_START_TIMEOUT_S = 90

APP = '[data-testid="stApp"]'
STATUS_WIDGET = '[data-testid="stStatusWidget"]'
MAIN = '[data-testid="stMain"]'
EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'
# Streamlit's own notices (e.g. "Page not found") are modal dialogs; no page opens one unasked.
DIALOG = '[role="dialog"]'
CHART = '[data-testid="stPlotlyChart"], .ita-plotly'  # Streamlit's Plotly or light_plotly's
PLOT = ".js-plotly-plot"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `streamlit run app.py`; ``url`` is its base address (no trailing slash)."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server and anything it started (its whole process group)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def start_server(db_path: Path, log_path: Path) -> Server:
    """Start the dashboard on ``db_path`` (a copy: the app may write to it) and wait until healthy.

    Runs from the project folder so `.streamlit/config.toml` applies. ``ITA_DEMO=0``: the store
    is given, nothing is built on start.
    """
    port = free_port()
    env = {**os.environ, "ITA_DB": str(db_path), "ITA_DEMO": "0",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    log_file = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                               start_new_session=True)
    log_file.close()
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"streamlit did not answer /_stcore/health in {SERVER_START_TIMEOUT_S} s:\n"
                       f"{server.log()}")


def browser_missing_reason() -> str | None:
    """Why a browser test cannot run here (None when Playwright and Chromium are present)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    return None


def launch_browser(playwright):
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)


def wait_for_app(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the page's script and drawn its main content.

    The app root carries the script's state (``data-test-script-state``); "Running…" shows in
    the status widget while a run is under way. A short settle wait catches a re-run that a
    first run requests (the pages-folder redirect, a widget's default being written back).
    """
    page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"]', timeout=timeout_ms)
    for _ in range(2):
        page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=timeout_ms)
        page.wait_for_selector(STATUS_WIDGET, state="detached", timeout=timeout_ms)
        page.wait_for_selector(f"{MAIN} [data-testid='stVerticalBlock']", timeout=timeout_ms)
        page.wait_for_timeout(500)
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=timeout_ms)


def error_boxes(page) -> list[str]:
    """Texts of the exception boxes, error alerts and dialogs on the page (warnings are fine)."""
    return [el.inner_text() for el in page.query_selector_all(f"{EXCEPTION}, {ERROR_ALERT}, {DIALOG}")]


def wait_for_charts(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> int:
    """Wait until every Plotly chart block on the page has drawn its plot; return their number.

    Plotly's script loads after the page's run has finished, so a chart is drawn a few
    seconds after Streamlit reports the run done.
    """
    page.wait_for_function(
        """([block, plot]) => {
            const blocks = document.querySelectorAll(block);
            return blocks.length > 0 && [...blocks].every(b => b.querySelector(plot + " .main-svg"));
        }""", arg=[CHART, PLOT], timeout=timeout_ms)
    return len(page.query_selector_all(PLOT))


def screenshot(page, name: str) -> Path:
    """A screenshot of the whole page to test-output/screenshots/<name>.png.

    Streamlit scrolls its main area inside a fixed-height frame, so Playwright's full-page
    mode alone shows only the window: the window is made as tall as the content first.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        """(main) => Math.max(...[...document.querySelectorAll(main + ", [data-testid='stSidebarContent']")]
                               .map(e => e.scrollHeight), window.innerHeight)""", MAIN)
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 16_000)})
    page.wait_for_timeout(800)  # charts re-lay out to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
