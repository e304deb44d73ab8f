"""Arguments shared by the command groups: dates, the company to open, output formats."""

from __future__ import annotations

import argparse
from datetime import date


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-04-30") from None


def company_args(parser: argparse.ArgumentParser) -> None:
    """--company, --user and --totp: how every command that opens a company finds it."""
    parser.add_argument("--company", metavar="DIR", help="company folder (or BAHI_COMPANY)")
    parser.add_argument("--user", help="user name (or BAHI_USER; default owner)")
    parser.add_argument("--totp", metavar="CODE", help="second-factor code (or BAHI_TOTP)")


def output_args(parser: argparse.ArgumentParser, *, files: bool = True) -> None:
    """--json, and for reports --csv and --xlsx."""
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    if files:
        parser.add_argument("--csv", metavar="FILE", help="write the report as CSV")
        parser.add_argument("--xlsx", metavar="FILE", help="write the report as an Excel sheet")
