"""Arguments of ``bahi doc``: reading purchase bills (PDF, scans, photos)."""

from __future__ import annotations

import argparse
from typing import Any


def _pages(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a page count like 20")
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
