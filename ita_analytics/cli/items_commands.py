"""CLI: ``items`` — item-level results: an agency-year's weak items and missing OIT evidence,
a group's item pass rates and movers, and ``items import`` / ``items undo`` of item files.

``items --agency NAME [--province P] --year Y [--json]`` and ``items --year Y [--type T]
[--province P] [--json]``. Arguments only: the handlers are in ``_items``.
"""

from __future__ import annotations

from ita_analytics.cli import lazy_handler, parse_year_arg


def register(sub) -> None:
    p = sub.add_parser("items", help="item-level results: weak items and missing OIT evidence")
    p.add_argument("--agency", help="agency name; without it the group view is shown")
    p.add_argument("--province", help="the agency's province, or the group's")
    p.add_argument("--year", type=parse_year_arg, help="fiscal year (B.E. or C.E.)")
    p.add_argument("--type", dest="agency_type", help="agency type of the group (อบต., ทต., …)")
    p.add_argument("--threshold", type=float, default=None,
                   help="question items scored below this are weak (default: the lowest score "
                        "of the 'maintain' action level)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--db", dest="sub_db", metavar="DB", help="store file (as the global --db)")
    p.set_defaults(handler=lazy_handler("_items", "cmd_items"))
    isub = p.add_subparsers(dest="items_command", metavar="SUBCOMMAND")

    q = isub.add_parser("import", help="import an item spreadsheet (.xlsx or .csv)")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--year", dest="import_year", type=parse_year_arg,
                   help="fiscal year for rows that give none")
    q.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    q.add_argument("--json", dest="import_json", action="store_true")
    q.set_defaults(handler=lazy_handler("_items", "cmd_import"))

    q = isub.add_parser("undo", help="undo an items import")
    q.add_argument("import_id", metavar="IMPORT_ID", type=int)
    q.set_defaults(handler=lazy_handler("_items", "cmd_undo"))
