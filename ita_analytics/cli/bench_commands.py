"""CLI command ``bench``: time imports, analyses, pages, start-up, memory and the command line
itself against the budgets."""

from __future__ import annotations

import logging
from pathlib import Path

from ita_analytics.cli import print_json
from ita_analytics.settings import DATA_DIR

STEP_GROUPS = ("import", "analysis", "page", "server", "cli")
"""``bench.STEP_GROUPS`` and ``cli`` (:mod:`ita_analytics.bench_cli`), named here so that the
parser does not load the benchmark (a test ties the two)."""
DEFAULT_DIR = DATA_DIR / "bench"
"""``bench.BENCH_DIR`` (a test ties the two)."""


def register(sub) -> None:
    p = sub.add_parser("bench", help="benchmark at national (and 10x) scale against the budgets")
    p.add_argument("--scale", type=int, choices=[1, 10], default=1,
                   help="1: the national store; 10: also the stress store (10x agencies)")
    p.add_argument("--repeats", type=int, default=5, help="runs of each step (medians reported)")
    p.add_argument("--steps", default=",".join(STEP_GROUPS),
                   help=f"comma-separated groups among {', '.join(STEP_GROUPS)}")
    p.add_argument("--dir", default=str(DEFAULT_DIR),
                   help="where the benchmark stores are built and reused")
    p.add_argument("--no-browser", action="store_true",
                   help="skip the Chromium measurement of the later start")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args) -> int:
    from ita_analytics import bench, bench_cli

    groups = [g.strip() for g in args.steps.split(",") if g.strip()]
    unknown = sorted(set(groups) - set(STEP_GROUPS))
    if unknown:
        from ita_analytics.errors import ItaError
        raise ItaError(f"ไม่รู้จักกลุ่มขั้นตอน: {', '.join(unknown)}",
                       f"Unknown step groups: {', '.join(unknown)}")
    page_steps = open_session = None
    if "page" in groups or "server" in groups:
        # Only the dashboard package may import Streamlit; load it only when it is timed.
        # Its caches warn that no server runs, which is expected here.
        logging.getLogger("streamlit").setLevel(logging.ERROR)
        from ita_analytics.dashboard.bench_pages import open_session, page_steps
    repeats = max(1, args.repeats)
    base = Path(args.dir)
    report = bench.run_benchmark(scale=args.scale, repeats=repeats,
                                 groups=[g for g in groups if g in bench.STEP_GROUPS],
                                 base=base, page_steps=page_steps,
                                 open_session=open_session, browser=not args.no_browser)
    if bench_cli.GROUP in groups and bench_cli.GROUP not in bench.STEP_GROUPS:
        # Until bench.run_benchmark runs the group itself (see bench_cli's docstring).
        report = bench_cli.add_to_report(
            report, bench_cli.cli_steps(bench.store_path("national", base), repeats))
    if args.json:
        print_json(report)
    else:
        print(bench.format_report(report))
    return bench.exit_code(report)
