"""A real dashboard for the steps that need one: ``streamlit run app.py`` on a store, and a
headless Chromium to open it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ita_analytics.bench.measurement import StepUnavailable
from ita_analytics.settings import BASE_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextlib.contextmanager
def streamlit_server(db_path: Path, *, demo_on_start: bool, timeout: float = 120,
                     args: tuple[str, ...] | list[str] = (), log_path: Path | None = None):
    """``streamlit run app.py`` on a free port with the given store and any further
    command-line ``args``; yields (url, process). Its output goes to ``log_path`` if given."""
    port = free_port()
    env = {**os.environ, "ITA_DB": str(db_path), "ITA_DEMO": "1" if demo_on_start else "0"}
    log = log_path.open("wb") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(BASE_DIR / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", *args],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    if log_path:
        log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("streamlit did not answer /_stcore/health")
            time.sleep(0.05)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def chromium():
    """A headless Debian Chromium through Playwright (StepUnavailable when either is missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise StepUnavailable("playwright not installed") from error
    if not Path("/usr/bin/chromium").exists():
        raise StepUnavailable("/usr/bin/chromium not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()
