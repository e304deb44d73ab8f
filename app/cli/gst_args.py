"""`bahi gst gstr1 | gstr3b | check | einvoice | file`: the return commands' parsers."""

from __future__ import annotations

from typing import Any

from app.cli.args import company_args, parse_date


def _period_cmd(sub: Any, name: str, handler: str, text: str) -> Any:
    parser = sub.add_parser(name, help=text)
    company_args(parser)
    parser.add_argument("--period", required=True, help="a month (2025-04) or quarter (2025-Q1)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=f"gst.{handler}")
    return parser


def add_return_commands(gst_cmds: Any) -> None:
    for name, text in (
        ("gstr1", "GSTR-1 for a month or quarter: summary, or the portal JSON with --out"),
        ("gstr3b", "GSTR-3B tables 3.1, 3.2, 4 and 5: summary, or the JSON with --out"),
    ):
        parser = _period_cmd(gst_cmds, name, name, text)
        parser.add_argument("--out", metavar="FILE", help="write the return's JSON here")
        parser.add_argument(
            "--force", action="store_true", help="write the JSON despite readiness problems"
        )
        parser.add_argument("--pdf", metavar="FILE", help="write the readable summary as PDF")
    _period_cmd(gst_cmds, "check", "check", "readiness problems to fix before export")

    einvoice = gst_cmds.add_parser("einvoice", help="e-invoice JSON (schema 1.1) for upload")
    company_args(einvoice)
    einvoice.add_argument("numbers", nargs="*", metavar="NUMBER", help="invoice or note numbers")
    einvoice.add_argument(
        "--period", help="every B2B, SEZ and export invoice and note of a period instead"
    )
    einvoice.add_argument("--pin", help="the company's PIN code (remembered)")
    einvoice.add_argument("--town", help="the company's town or city (remembered)")
    einvoice.add_argument("--out", metavar="FILE", required=True)
    einvoice.set_defaults(handler="gst.einvoice")

    filed = _period_cmd(gst_cmds, "file", "mark_filed", "mark a return filed: locks its period")
    filed.add_argument("--return", dest="return_type", required=True, choices=("GSTR-1", "GSTR-3B"))
    filed.add_argument("--filed-on", type=parse_date, required=True, metavar="DATE")
    filed.add_argument("--arn", default="", help="the portal's acknowledgement number")
