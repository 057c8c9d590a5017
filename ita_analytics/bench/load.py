"""The benchmark's load step: many sessions go through the pages while an analyst imports a year."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from ita_analytics import auth

APP = '[data-testid="stApp"]'
MAIN = '[data-testid="stMain"]'
NAV_LINK = '[data-testid="stSidebarNav"] a'
# What a user sees as a failure: an exception box, an error alert (navigation.run's "something
# went wrong", an import refused) or one of Streamlit's own modal notices ("page not found").
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"], [role="dialog"]'
IMPORTED = (f'{MAIN} [data-testid="stAlertContentSuccess"]:has-text("Imported"), '
            f'{MAIN} [data-testid="stAlertContentSuccess"]:has-text("นำเข้าแล้ว")')
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
COMMIT_BUTTON = ".st-key-imp_commit button"
IMPORT_PATH = "/import"
ANALYST_NAME = "bench-load"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-dev-shm-usage", "--disable-renderer-backgrounding",
                 "--disable-background-timer-throttling", "--force-prefers-reduced-motion"]
VIEWPORT = {"width": 1280, "height": 800}
RUN_TIMEOUT_S = 90.0
# A run that ends may be followed at once by another the page asks for (a widget writing its
# default back): the page is done when none starts this soon after.
QUIET_MS = 300
RSS_SAMPLE_S = 0.2
BUDGET_PAGE_RUN_S = 3.0

# Streamlit's ForwardMsg field numbers (streamlit/proto/ForwardMsg.proto; a test checks them):
# every script run begins with new_session and ends with script_finished, whose status says
# whether another run follows at once (FINISHED_EARLY_FOR_RERUN).
NEW_SESSION_FIELD, SCRIPT_FINISHED_FIELD, FINISHED_EARLY_FOR_RERUN = 4, 6, 2
# Each run's start and end as the page receives them, on the page's clock. The app's own
# "running" attribute is not enough: a busy page may draw a short run's start and end in one
# go and never show "running". Only the top-level fields of each message are read.
RUN_LOG_JS = """
(() => {
  const START = NEW_SESSION_FIELD, END = SCRIPT_FINISHED_FIELD;
  window.__itaRuns = [];
  const varint = (bytes, at) => {
    let value = 0, scale = 1;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 127) * scale;
      scale *= 128;
      if (byte < 128) return [value, at];
    }
  };
  const note = (bytes, t) => {
    let at = 0;
    while (at < bytes.length) {
      let key, value;
      [key, at] = varint(bytes, at);
      const field = Math.floor(key / 8), type = key & 7;
      if (type === 0) {
        [value, at] = varint(bytes, at);
        if (field === END) window.__itaRuns.push({k: 'end', s: value, t});
      } else if (type === 2) {
        [value, at] = varint(bytes, at);
        if (field === START) window.__itaRuns.push({k: 'start', t});
        at += value;
      } else if (type === 1) at += 8;
      else if (type === 5) at += 4;
      else return;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const t = performance.now();
        if (event.data instanceof ArrayBuffer) note(new Uint8Array(event.data), t);
        else if (event.data instanceof Blob)
          event.data.arrayBuffer().then((buffer) => note(new Uint8Array(buffer), t));
      });
    }
  };
})();
""".replace("NEW_SESSION_FIELD", str(NEW_SESSION_FIELD)).replace(
    "SCRIPT_FINISHED_FIELD", str(SCRIPT_FINISHED_FIELD))
# Milliseconds from t0 to the end of the last run begun after it, once no run follows within
# the quiet time; false while a run is under way or may yet follow.
RUN_DONE_JS = """([t0, quiet, rerun]) => {
  const after = (window.__itaRuns || []).filter(e => e.t >= t0);
  if (!after.some(e => e.k === 'start')) return false;
  const last = after[after.length - 1];
  if (last.k !== 'end' || last.s === rerun || performance.now() - last.t < quiet) return false;
  return last.t - t0;
}"""
CLICK_JS = """([selector, href]) => {
  const link = [...document.querySelectorAll(selector)].find(a => a.getAttribute('href') === href);
  if (!link) return null;
  const t0 = performance.now();
  link.click();
  return t0;
}"""


# --- what a run is and what it saw ------------------------------------------------------------

@dataclass(frozen=True)
class LoadOptions:
    """How a load run goes: ``sessions`` users, the first ``browsers`` of them in Chromium and
    the others speaking Streamlit's protocol (see :func:`run_load`), opened one after another
    over ``ramp_s``, then ``seconds`` of going from page to page after a think time drawn
    from ``think_s``."""

    sessions: int = 50
    browsers: int = 5
    seconds: float = 120.0
    ramp_s: float = 30.0
    think_s: tuple[float, float] = (5.0, 15.0)
    servers: int = 1
    """Server processes on the one store (``store.versions``: each reads the published
    version, the import through the first publishes the next); session n uses server
    n mod ``servers``, so Chromium and websocket sessions are spread over them alike."""


def browser_missing_reason() -> str | None:
    """Why no Chromium session can run here (None when Playwright and Chromium are present)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed"
    return None


@dataclass(frozen=True)
class PageRun:
    """One page opened from the menu in one session: seconds from the click (or the request)
    to the end of the page's script run, as the client saw it."""

    session: int
    kind: str  # browser | protocol
    page: str
    at: float  # seconds since the sessions started
    seconds: float
    during_import: bool


@dataclass
class LoadRun:
    """What a load run saw: every page run, every error, the server's memory and the import."""

    sessions: int
    browsers: int
    seconds: float
    ramp_s: float
    think_s: tuple[float, float]
    runs: list[PageRun] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)  # each session's first page
    errors: list[str] = field(default_factory=list)
    rss_peak_mb: float = 0.0  # the largest sampled RSS of the server and its children
    rss_hwm_mb: float = 0.0  # the server process's own high-water mark (VmHWM)
    rss_start_mb: float = 0.0  # before the first session
    import_status: str = "not started"
    import_seconds: dict[str, float] = field(default_factory=dict)  # analyse, commit
    import_window: tuple[float, float] | None = None
    load_average: tuple[float, float, float] | None = None
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # see CpuAccount.close
    servers: int = 1
    rss_by_server_mb: list[float] = field(default_factory=list)  # each server's own peak

    @property
    def rss_mb(self) -> float:
        """The budgeted figure: the higher of the sampled tree peak and the server's own HWM."""
        return max(self.rss_peak_mb, self.rss_hwm_mb)

    def run_seconds(self, kind: str | None = None) -> list[float]:
        return [r.seconds for r in self.runs if kind is None or r.kind == kind]

    def summary(self) -> dict:
        def stats(values):
            return {"n": len(values),
                    "median": statistics.median(values) if values else None,
                    "p95": percentile(values, 95), "max": max(values, default=None),
                    "over_budget": sum(v > BUDGET_PAGE_RUN_S for v in values)}
        return {"sessions": self.sessions, "browsers": self.browsers, "seconds": self.seconds,
                "ramp_s": self.ramp_s, "think_s": list(self.think_s),
                "page_runs": stats(self.run_seconds()),
                "browser_page_runs": stats(self.run_seconds("browser")),
                "protocol_page_runs": stats(self.run_seconds("protocol")),
                "during_import": stats([r.seconds for r in self.runs if r.during_import]),
                "outside_import": stats([r.seconds for r in self.runs if not r.during_import]),
                "opens": stats(self.opens),
                "errors": len(self.errors), "error_samples": self.errors[:10],
                "rss_mb": self.rss_mb, "rss_peak_mb": self.rss_peak_mb,
                "rss_hwm_mb": self.rss_hwm_mb, "rss_start_mb": self.rss_start_mb,
                "import_status": self.import_status, "import_seconds": self.import_seconds,
                "load_average": self.load_average, "cpu_seconds": self.cpu_seconds,
                "servers": self.servers, "rss_by_server_mb": self.rss_by_server_mb}


def percentile(values: list[float], pct: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-len(ordered) * pct // 100)
    return ordered[max(1, int(rank)) - 1]


# --- the server's memory and everyone's CPU ---------------------------------------------------

def _status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError):
            stat = (entry / "stat").read_text()
            parent = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, MB."""
    return sum(_status_kb(p, "VmRSS") for p in process_tree(pid)) / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (from /proc)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class CpuAccount:
    """CPU seconds used over a stretch by the server's processes, by the other processes this
    one started (the browsers and Playwright's driver), by this process (the websocket
    sessions and the browsers' control), and by the whole machine."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.used: dict[str, dict[int, float]] = {"server": {}, "clients": {}}
        self.base: dict[int, float] = {}
        self.sample()
        self.base = {pid: cpu for group in self.used.values() for pid, cpu in group.items()}
        self.machine = -machine_busy_seconds()
        self.own = -own_cpu_seconds()
        self.wall = -time.monotonic()

    def sample(self) -> None:
        """Note each process's CPU so far (a process that ends keeps its last figure)."""
        server = set(process_tree(self.server_pid))
        clients = set(process_tree(os.getpid())) - server - {os.getpid()}
        for group, pids in (("server", server), ("clients", clients)):
            for pid in pids:
                self.used[group][pid] = cpu_seconds([pid]) - self.base.get(pid, 0.0)

    def close(self) -> dict[str, float]:
        """Seconds: wall, and CPU of the server, the browsers, this process, everything else
        on the machine (other people's work), the machine."""
        self.sample()
        machine = self.machine + machine_busy_seconds()
        server, browsers = (sum(self.used[g].values()) for g in ("server", "clients"))
        driver = self.own + own_cpu_seconds()
        return {"wall": self.wall + time.monotonic(), "cores": os.cpu_count() or 1,
                "server": server, "browsers": browsers, "driver": driver,
                "others": max(0.0, machine - server - browsers - driver), "machine": machine}


class Sampler:
    """Samples, in a thread until stopped, the RSS of the server's process tree (keeping the
    peak) and the CPU the server, the clients and the machine use."""

    def __init__(self, pid: int, interval: float = RSS_SAMPLE_S, cpu_every: int = 5):
        self.pid, self.interval, self.cpu_every, self.peak = pid, interval, cpu_every, 0.0
        self.cpu = CpuAccount(pid)
        self.cpu_used: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def _run(self) -> None:
        tick = 0
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            tick += 1
            if tick % self.cpu_every == 0:
                self.cpu.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb(self.pid))
        self.cpu_used = self.cpu.close()


# --- sessions ---------------------------------------------------------------------------------

class Session(Protocol):
    """One user's tab: a browser page, or a client speaking Streamlit's protocol."""

    kind: str

    async def open(self) -> float:
        """Open the dashboard; seconds until the first page's run has ended."""

    def pages(self) -> list[str]:
        """The menu's pages by URL path ("" for the default page)."""

    async def go(self, page: str) -> float:
        """Open ``page`` as the menu does; seconds until its run has ended."""

    async def errors(self) -> list[str]:
        """Errors shown since the last call (for a browser: on the page now)."""

    async def close(self) -> None:
        ...


SessionFactory = Callable[[str], Awaitable[Session]]


async def wait_for_run(page, t0: float, timeout_s: float = RUN_TIMEOUT_S) -> float:
    """Seconds from ``t0`` (the page's clock, ms) until the runs begun after it have ended."""
    handle = await page.wait_for_function(RUN_DONE_JS,
                                          arg=[t0, QUIET_MS, FINISHED_EARLY_FOR_RERUN],
                                          polling=100, timeout=timeout_s * 1000)
    return float(await handle.json_value()) / 1000


async def errors_on(page) -> list[str]:
    """Texts of the error boxes on the page, and a lost connection."""
    found = [" ".join((await box.inner_text()).split())[:200]
             for box in await page.query_selector_all(ERROR_BOXES)]
    state = await page.get_attribute(APP, "data-test-connection-state")
    if state not in (None, "CONNECTED"):
        found.append(f"connection {state}")
    return found


class BrowserSession:
    """A headless Chromium page in its own browser context (its own cookies and session)."""

    kind = "browser"

    def __init__(self, browser, url: str):
        self.browser, self.url = browser, url
        self.context = self.page = None
        self.links: dict[str, str] = {}
        self.crashed = False

    async def open(self, path: str = "") -> float:
        self.context = await self.browser.new_context(viewport=VIEWPORT,
                                                      reduced_motion="reduce")
        self.page = await self.context.new_page()
        self.page.on("crash", lambda _: setattr(self, "crashed", True))
        await self.page.add_init_script(RUN_LOG_JS)
        await self.page.goto(self.url + path, timeout=RUN_TIMEOUT_S * 1000)
        seconds = await wait_for_run(self.page, 0.0)
        hrefs = await self.page.eval_on_selector_all(
            NAV_LINK, "links => links.map(a => a.getAttribute('href'))")
        self.links = {urlsplit(h).path.strip("/"): h for h in hrefs}
        return seconds

    def pages(self) -> list[str]:
        return list(self.links)

    async def go(self, page: str) -> float:
        t0 = await self.page.evaluate(CLICK_JS, [NAV_LINK, self.links[page]])
        if t0 is None:
            raise RuntimeError(f"no menu link to {page!r}")
        try:
            return await wait_for_run(self.page, t0)
        except Exception as error:  # say what the page was doing when it gave up
            seen = await self.page.evaluate(
                "(t0) => [location.pathname, (window.__itaRuns || []).filter(e => e.t >= t0)"
                ".map(e => e.k + (e.s ?? '') + '@' + Math.round(e.t - t0))]", t0)
            raise RuntimeError(f"{type(error).__name__} on {seen[0]}, runs seen "
                               f"{seen[1][-6:]}") from error

    async def errors(self) -> list[str]:
        return ["page crashed"] if self.crashed else await errors_on(self.page)

    async def close(self) -> None:
        if self.context is not None:
            await self.context.close()


# --- the run ----------------------------------------------------------------------------------

class LoadDriver:
    """Drives the viewer sessions and the analyst's against a running server.

    First every viewer opens the dashboard, one after another over the ramp; once all are
    open the measured window starts: each goes from page to page for ``result.seconds``, and
    the analyst starts importing ``import_at`` seconds into it. Times are kept from the start
    of the window (the opening phase is negative).
    """

    def __init__(self, result: LoadRun, make_session: Callable[[int], Awaitable[Session]],
                 analyst: Callable[[LoadDriver], Awaitable[None]], import_at: float,
                 seed: int = 17):
        self.result, self.make_session, self.analyst = result, make_session, analyst
        self.import_at = import_at
        self.rng = random.Random(seed)
        self.window_start = time.monotonic()
        self.deadline = float("inf")
        self.opened = 0
        self.all_open: asyncio.Event | None = None

    def now(self) -> float:
        return time.monotonic() - self.window_start

    def importing(self) -> bool:
        window = self.result.import_window
        return window is not None and (window[1] is None or self.now() <= window[1])

    def error(self, where: str, text: str) -> None:
        self.result.errors.append(f"{where} at {self.now():.1f} s: {text}")

    def _one_open(self) -> None:
        self.opened += 1
        if self.opened == self.result.sessions:
            self.window_start = time.monotonic()
            self.deadline = self.result.seconds
            self.all_open.set()

    async def viewer(self, number: int, delay: float) -> None:
        """One user: opens the dashboard, waits for the others, then goes through the menu's
        pages in turn, each after a think time (every session starts at another page, so
        that all pages are busy at once)."""
        await asyncio.sleep(delay)
        where = f"session {number}"
        session = None
        try:
            try:
                session = await self.make_session(number)
                self.result.opens.append(await session.open())
            finally:
                self._one_open()
            for text in await session.errors():
                self.error(f"{where} first page", text)
            pages = session.pages()
            if len(pages) < 2:
                self.error(where, f"the menu has {len(pages)} pages")
                return
            await self.all_open.wait()
            step, current = number, pages[0]
            while self.now() < self.deadline:
                await asyncio.sleep(self.rng.uniform(*self.result.think_s))
                step += 1
                page = pages[step % len(pages)]
                if page == current:  # the menu does nothing for the page shown
                    continue
                current = page
                at, during = self.now(), self.importing()
                try:
                    seconds = await session.go(page)
                except Exception as error:  # the page never finished: reported, go on
                    self.error(f"{where} /{page}", f"{error}"[:300])
                    continue
                self.result.runs.append(PageRun(number, session.kind, page or "home", at,
                                                seconds, during or self.importing()))
                for text in await session.errors():
                    self.error(f"{where} /{page}", text)
        except Exception as error:  # reported as an error of the run, the others go on
            self.error(where, f"{type(error).__name__}: {str(error)[:200]}")
        finally:
            if session is not None:
                await session.close()

    async def run(self, ramp_s: float) -> None:
        sessions = self.result.sessions
        self.all_open = asyncio.Event()

        async def analyst_later():
            await self.all_open.wait()
            await asyncio.sleep(self.import_at)
            self.result.import_window = (self.now(), None)
            try:
                await self.analyst(self)
            finally:
                self.result.import_window = (self.result.import_window[0], self.now())
        await asyncio.gather(analyst_later(), *(self.viewer(n, ramp_s * n / sessions)
                                                for n in range(sessions)))


async def import_as_analyst(driver: LoadDriver, browser, url: str, year_file: Path,
                            password: str) -> None:
    """In a browser session of its own: sign in on the import page, upload the year file,
    wait for its preview and commit it; the two steps' seconds go to the result."""
    result = driver.result
    session = BrowserSession(browser, url)
    try:
        result.import_status = "signing in"
        await session.open(IMPORT_PATH)
        page = session.page
        await page.fill(".st-key-auth_name input", ANALYST_NAME)
        await page.fill(".st-key-auth_password input", password)
        t0 = await page.evaluate("performance.now()")
        await page.click(".st-key-auth_submit button")
        await wait_for_run(page, t0)
        result.import_status = "analysing"
        start = time.monotonic()
        t0 = await page.evaluate("performance.now()")
        await page.set_input_files(UPLOAD_INPUT, str(year_file))
        await page.wait_for_selector(COMMIT_BUTTON + ":not([disabled])",
                                     timeout=RUN_TIMEOUT_S * 1000)
        await wait_for_run(page, t0)
        result.import_seconds["analyse"] = time.monotonic() - start
        for text in await session.errors():
            driver.error("analyst preview", text)
        result.import_status = "committing"
        start = time.monotonic()
        t0 = await page.evaluate("performance.now()")
        await page.click(COMMIT_BUTTON)
        await page.wait_for_selector(IMPORTED, timeout=RUN_TIMEOUT_S * 1000)
        await wait_for_run(page, t0)
        result.import_seconds["commit"] = time.monotonic() - start
        result.import_status = "committed"
        for text in await session.errors():
            driver.error("analyst commit", text)
    except Exception as error:  # reported; the viewers go on
        driver.error(f"analyst ({result.import_status})",
                     f"{type(error).__name__}: {str(error)[:200]}")
        result.import_status = f"failed while {result.import_status}"
    finally:
        await session.close()


async def drive(urls: list[str], result: LoadRun, year_file: Path, password: str, *,
                protocol_session: SessionFactory | None, import_at: float,
                ramp_s: float) -> None:
    """The first ``result.browsers`` viewers in Chromium, the others as ``protocol_session``s,
    session n on server n mod len(urls); the analyst in Chromium on the first server."""
    url = urls[0]
    from playwright.async_api import async_playwright

    args = list(CHROMIUM_ARGS) + (["--no-sandbox"] if os.geteuid() == 0 else [])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=args)

        async def make_session(number: int) -> Session:
            served_by = urls[number % len(urls)]
            if number < result.browsers or protocol_session is None:
                return BrowserSession(browser, served_by)
            return await protocol_session(served_by)

        async def analyst(driver: LoadDriver) -> None:
            await import_as_analyst(driver, browser, url, year_file, password)
        try:
            await LoadDriver(result, make_session, analyst, import_at).run(ramp_s)
        finally:
            await browser.close()


def secrets_file(folder: Path, password: str) -> Path:
    """A secrets.toml enabling the local analyst sign-in with ``password`` (few iterations:
    the benchmark times pages, not password hashing)."""
    path = folder / "secrets.toml"
    path.write_text(auth.secrets_line(auth.hash_password(password, iterations=1000)) + "\n")
    return path


def run_load(db_path: Path, year_file: Path, *, server, options: LoadOptions = LoadOptions(),
             protocol_session: SessionFactory | None = None,
             log_path: Path | None = None) -> LoadRun:
    """Serve ``db_path`` (written to: the import commits into it) and drive the sessions.

    ``server(db_path, args, log_path)`` is a context manager yielding (url, process) for a
    ``streamlit run app.py`` with the extra command-line ``args``. ``options.browsers`` of
    the sessions are Chromium pages, the others ``protocol_session``s (all Chromium without
    one). They open one after another over ``options.ramp_s``; once all are open, for
    ``options.seconds`` each goes from page to page after a think time, and the analyst
    imports ``year_file`` a quarter of the way in. Needs Playwright and Chromium.
    """
    browsers = options.sessions if protocol_session is None else min(options.browsers,
                                                                     options.sessions)
    result = LoadRun(options.sessions, browsers, options.seconds, options.ramp_s,
                     tuple(options.think_s), servers=max(1, options.servers))
    password = "bench-load-" + os.urandom(6).hex()
    with tempfile.TemporaryDirectory(prefix="ita-load-") as tmp, contextlib.ExitStack() as stack:
        args = ["--secrets.files", str(secrets_file(Path(tmp), password)),
                "--server.fileWatcherType", "none"]
        served = []
        for index in range(result.servers):
            log = log_path if log_path is None or index == 0 else log_path.with_name(
                f"{log_path.stem}-{index + 1}{log_path.suffix}")
            served.append(stack.enter_context(server(db_path, args, log)))
        urls = [url for url, _ in served]
        pids = [proc.pid for _, proc in served]
        result.rss_start_mb = sum(tree_rss_mb(pid) for pid in pids)
        samplers = [Sampler(pid).__enter__() for pid in pids]
        try:
            asyncio.run(drive(urls, result, year_file, password,
                              protocol_session=protocol_session,
                              import_at=options.seconds / 4, ramp_s=options.ramp_s))
        finally:
            for sampler in samplers:
                sampler.__exit__(None, None, None)
        result.rss_by_server_mb = [max(s.peak, _status_kb(pid, "VmHWM") / 1024)
                                   for s, pid in zip(samplers, pids, strict=True)]
        result.rss_peak_mb = max(s.peak for s in samplers)
        result.rss_hwm_mb = max(_status_kb(pid, "VmHWM") / 1024 for pid in pids)
        # The CPU account knows one server (the others would count as "others"): kept for one.
        result.cpu_seconds = samplers[0].cpu_used if result.servers == 1 else {}
        result.load_average = os.getloadavg()
    return result
