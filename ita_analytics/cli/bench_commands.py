"""CLI command ``bench``: time imports, analyses, pages, start-up, memory and the command line
itself against the budgets."""

from __future__ import annotations

import logging
from pathlib import Path

from ita_analytics.cli import emit
from ita_analytics.settings import DATA_DIR

STEP_GROUPS = ("import", "analysis", "page", "server", "cli", "session", "load", "load2")
"""``bench.runner.STEP_GROUPS``, named here so that the parser does not load the benchmark (a test
ties the two)."""
DEFAULT_STEP_GROUPS = STEP_GROUPS[:-2]
"""What runs without ``--steps``: all but ``load`` and ``load2`` (the load on two server
processes): minutes each, both cores; asked for by name."""
LOAD_DEFAULTS = {"sessions": 50, "browsers": 5, "seconds": 120.0, "ramp_s": 30.0,
                 "think_s": (5.0, 15.0)}
"""``bench.load.LoadOptions``' defaults (a test ties the two)."""
DEFAULT_DIR = DATA_DIR / "bench"
"""``bench.runner.BENCH_DIR`` (a test ties the two)."""


def register(sub) -> None:
    p = sub.add_parser("bench", help="benchmark at national (and 10x) scale against the budgets")
    p.add_argument("--scale", type=int, choices=[1, 10], default=1,
                   help="1: the national store; 10: also the stress store (10x agencies)")
    p.add_argument("--repeats", type=int, default=5, help="runs of each step (medians reported)")
    p.add_argument("--steps", default=",".join(DEFAULT_STEP_GROUPS),
                   help=f"comma-separated groups among {', '.join(STEP_GROUPS)} (default: all "
                        "but load and load2; load2 is the load step on two server processes "
                        "sharing the store)")
    p.add_argument("--dir", default=str(DEFAULT_DIR),
                   help="where the benchmark stores are built and reused")
    p.add_argument("--no-browser", action="store_true",
                   help="skip the Chromium measurement of the later start")
    load = p.add_argument_group("load", "the load steps (--steps load, load2): sessions going "
                                        "through the pages while a national year is imported "
                                        "(load2: spread over two server processes)")
    load.add_argument("--load-sessions", type=int, default=LOAD_DEFAULTS["sessions"],
                      help="sessions open at once (default %(default)s)")
    load.add_argument("--load-browsers", type=int, default=LOAD_DEFAULTS["browsers"],
                      help="how many of them are Chromium pages; the others speak Streamlit's "
                           "websocket protocol without drawing (default %(default)s)")
    load.add_argument("--load-seconds", type=float, default=LOAD_DEFAULTS["seconds"],
                      help="how long they go from page to page (default %(default)s)")
    load.add_argument("--load-think", default="{:g},{:g}".format(*LOAD_DEFAULTS["think_s"]),
                      help="seconds a user looks at a page before the next, drawn between "
                           "the two (default %(default)s)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_bench)


def load_options(args):
    """The load step's options from the command line (ItaError when they make no sense)."""
    from ita_analytics.bench.load import LoadOptions
    from ita_analytics.errors import ItaError

    try:
        low, high = (float(v) for v in args.load_think.split(","))
    except ValueError:
        raise ItaError(f"--load-think ต้องเป็นตัวเลขสองค่า เช่น 5,15 (ได้ {args.load_think})",
                       f"--load-think takes two numbers such as 5,15 (got {args.load_think})"
                       ) from None
    if not (0 <= low <= high) or args.load_sessions < 1 or args.load_browsers < 0 \
            or args.load_seconds <= 0:
        raise ItaError("ค่าของขั้นตอน load ไม่ถูกต้อง (จำนวนต้องเป็นบวก และ --load-think ต่ำ,สูง)",
                       "Load options out of range (counts positive, --load-think low,high)")
    return LoadOptions(sessions=args.load_sessions,
                       browsers=min(args.load_browsers, args.load_sessions),
                       seconds=args.load_seconds, ramp_s=LOAD_DEFAULTS["ramp_s"],
                       think_s=(low, high))


def cmd_bench(args) -> int:
    from ita_analytics.bench import runner as bench

    groups = [g.strip() for g in args.steps.split(",") if g.strip()]
    unknown = sorted(set(groups) - set(STEP_GROUPS))
    if unknown:
        from ita_analytics.errors import ItaError
        raise ItaError(f"ไม่รู้จักกลุ่มขั้นตอน: {', '.join(unknown)}",
                       f"Unknown step groups: {', '.join(unknown)}")
    page_steps = open_session = protocol_session = None
    load = load_options(args) if {"load", "load2"} & set(groups) else None
    if "page" in groups or "server" in groups:
        # Streamlit is loaded only when pages or the server are timed.
        # Its caches warn that no server runs, which is expected here.
        logging.getLogger("streamlit").setLevel(logging.ERROR)
        from ita_analytics.bench.pages import open_session, page_steps
    if load is not None:
        from ita_analytics.bench.protocol import protocol_session
    repeats = max(1, args.repeats)
    base = Path(args.dir)
    report = bench.run_benchmark(scale=args.scale, repeats=repeats, groups=groups,
                                 base=base, page_steps=page_steps,
                                 open_session=open_session, browser=not args.no_browser,
                                 load=load, protocol_session=protocol_session)
    emit(args, report, lambda r: print(bench.format_report(r)))
    return bench.exit_code(report)
