"""Arguments of ``bahi doc``: reading purchase bills (PDF, scans, photos)."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from app.cli.args import company_args, parse_date


def _pages(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a page count like 20")
    return value


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount like 1500.00") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount like 1500.00")
    return value


def add_commands(groups: Any) -> None:
    doc = groups.add_parser("doc", help="read purchase bills: PDF, scans and photos")
    doc_cmds = doc.add_subparsers(dest="action", required=True, metavar="ACTION")
    read = doc_cmds.add_parser(
        "read",
        help="extract a bill's fields without storing it (needs no company)",
        description="Read a bill (PDF with text, scanned PDF, PNG, JPEG or TIFF) on this "
        "computer and print its fields with confidences, items and problems.",
    )
    read.add_argument("file", metavar="FILE")
    read.add_argument("--json", action="store_true", help="print JSON for scripts")
    read.add_argument(
        "--max-pages",
        type=_pages,
        default=20,
        metavar="N",
        help="read at most the first N pages (default 20); later pages are skipped",
    )
    read.add_argument(
        "--lang", help="tesseract languages for scans (default eng+hin when installed)"
    )
    read.set_defaults(handler="documents.read")

    imp = doc_cmds.add_parser(
        "import",
        help="read bills and store them in the company (duplicates are found by content)",
        description="Read each file and keep it, its pages and the fields read, inside the "
        "encrypted company. A file stored before is reported, not stored twice.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--lang", help="tesseract languages for scans (default eng+hin)")
    company_args(imp)
    imp.add_argument("--json", action="store_true", help="print JSON for scripts")
    imp.set_defaults(handler="documents.import_files")

    listing = doc_cmds.add_parser("list", help="list stored bills, newest first")
    listing.add_argument("--supplier", help="part of the supplier's name, or the GSTIN")
    listing.add_argument("--from", dest="start", type=parse_date, help="bills dated on or after")
    listing.add_argument("--to", dest="end", type=parse_date, help="bills dated on or before")
    listing.add_argument("--min", dest="min_total", type=_amount, help="grand total at least")
    listing.add_argument("--max", dest="max_total", type=_amount, help="grand total at most")
    listing.add_argument("--status", choices=["draft", "posted", "rejected"])
    company_args(listing)
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(handler="documents.list_documents")

    show = doc_cmds.add_parser("show", help="one stored bill: fields, confidences, items")
    show.add_argument("id", type=int)
    company_args(show)
    show.add_argument("--json", action="store_true", help="print JSON for scripts")
    show.set_defaults(handler="documents.show")

    search = doc_cmds.add_parser("search", help="full-text search over stored bills")
    search.add_argument("text", nargs="+", metavar="WORD")
    company_args(search)
    search.add_argument("--json", action="store_true", help="print JSON for scripts")
    search.set_defaults(handler="documents.search")

    post = doc_cmds.add_parser(
        "post",
        help="turn a stored bill into a purchase bill (asks to confirm)",
        description="Match the supplier (by GSTIN, then name; else a new supplier is added) "
        "and the items, show the purchase bill, and post it once you confirm.",
    )
    post.add_argument("id", type=int)
    post.add_argument("--yes", action="store_true", help="post without asking (scripts)")
    company_args(post)
    post.add_argument("--json", action="store_true", help="print JSON for scripts")
    post.set_defaults(handler="documents.post")
