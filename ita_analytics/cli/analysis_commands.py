"""Analysis commands: weakest, deltas, levels, transitions, benchmark, trends, check, next-level.

Their arguments only: the handlers, which load pandas and the analyses, are in ``_analysis``.
"""

from __future__ import annotations

from ita_analytics.cli import lazy_handler, parse_year_arg
from ita_analytics.report.options import PEER_GROUP_BY_CODE

PEER_CODES = sorted(PEER_GROUP_BY_CODE)
"""The peer groups, as ``analysis.benchmark.PEER_GROUPS`` knows them (a test ties the two)."""


def _common(p, *, group: bool = True) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--db", dest="sub_db", metavar="DB", help="store file (as the global --db)")
    if group:
        p.add_argument("--type", dest="agency_type",
                       help="agency type, full or abbreviated (อบต., ทต., …)")
        p.add_argument("--province", help="province (จ.ลำปาง or ลำปาง)")


def _handler(name: str):
    return lazy_handler("_analysis", name)


def register(sub) -> None:
    p = sub.add_parser("weakest", help="weakest indicators of an agency-year, or of a group")
    p.add_argument("--agency", help="agency name; without it the group view is shown")
    p.add_argument("--year", required=True, type=parse_year_arg)
    p.add_argument("--peers", default="type", choices=PEER_CODES,
                   help="peer group for the medians (agency view; default type)")
    _common(p)
    p.set_defaults(handler=_handler("cmd_weakest"))

    p = sub.add_parser("deltas", help="year-over-year changes (consecutive years by default)")
    p.add_argument("--from", dest="year_from", type=parse_year_arg)
    p.add_argument("--to", dest="year_to", type=parse_year_arg)
    p.add_argument("--agency")
    p.add_argument("--by", choices=["delta", "rel_delta"], default="delta",
                   help="rank risers and fallers by points or by relative change")
    _common(p)
    p.set_defaults(handler=_handler("cmd_deltas"))

    p = sub.add_parser("levels", help="level distribution and pass rate of a year")
    p.add_argument("--year", required=True, type=parse_year_arg)
    p.add_argument("--by", choices=["type", "province"])
    _common(p)
    p.set_defaults(handler=_handler("cmd_levels"))

    p = sub.add_parser("transitions", help="from-level × to-level matrix between two years")
    p.add_argument("--from", dest="year_from", required=True, type=parse_year_arg)
    p.add_argument("--to", dest="year_to", required=True, type=parse_year_arg)
    _common(p)
    p.set_defaults(handler=_handler("cmd_transitions"))

    p = sub.add_parser("benchmark", help="an agency-year against its peers")
    p.add_argument("--agency", required=True)
    p.add_argument("--province", "--agency-province", dest="agency_province",
                   help="the agency's province when its name is shared")
    p.add_argument("--year", required=True, type=parse_year_arg)
    p.add_argument("--peers", default="type", choices=PEER_CODES)
    _common(p, group=False)
    p.set_defaults(handler=_handler("cmd_benchmark"))

    p = sub.add_parser("trends", help="mean, median and quartiles per year for a group")
    _common(p)
    p.set_defaults(handler=_handler("cmd_trends"))

    p = sub.add_parser("check", help="consistency checks of the stored results")
    p.add_argument("--year", type=parse_year_arg)
    _common(p)
    p.set_defaults(handler=_handler("cmd_check"))

    p = sub.add_parser("next-level", help="least points to the next level and where to find them")
    p.add_argument("--agency", required=True)
    p.add_argument("--province")
    p.add_argument("--year", required=True, type=parse_year_arg)
    _common(p, group=False)
    p.set_defaults(handler=_handler("cmd_next_level"))
