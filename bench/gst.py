"""GST benchmark: GSTR-1 for a busy month, JSON written (issue 3: under 3 s).

Builds N invoices (default 50,000) with 5 lines each in memory as PostedDocuments, their tax
computed by the real engine (not timed): B2B intra and inter-state, small and large B2C,
exempt lines, exports, credit and debit notes and a few cancelled invoices. Then times
``gstr1()`` plus writing the JSON file, median of 3, and prints one figure (DESIGN.md §9):

    gstr1_ms    gstr1() and write_gstr1() for the month (goal 3000; the database read that
                produces the PostedDocuments is not in it yet)

Usage:
    python bench/gst.py            # 50,000 invoices, 250,000 lines
    python bench/gst.py --quick    # 5,000 invoices
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path

import figures
from figures import say

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.reports.gst_documents

from app.billing.model import Export, PostedDocument
from app.gst import Taxability
from app.gst.periods import parse_period
from app.reports.gstr1 import gstr1, validate_gstr1, write_gstr1
from tests.reports.gst_documents import (
    SELLER_GSTIN,
    Item,
    cancelled,
    credit_note,
    debit_note,
    gstin,
    invoice,
)

BENCH = "gst"
emit = partial(figures.emit, BENCH)
PERIOD = parse_period("2025-04")
STATES = ("27", "27", "27", "29", "24", "07", "33", "04")
PANS = ("AABCR1718E", "AAACC1234C", "AAACD4321D", "AAACS5555S", "AAAFT7777T")
HSN = (("8471", "NOS", "18"), ("0902", "KGS", "5"), ("3004", "BOX", "12"), ("998314", "NA", "18"))


def _lines(n: int) -> list[Item]:
    items = []
    for k in range(5):
        hsn, uqc, rate = HSN[(n + k) % len(HSN)]
        price = f"{(n * 37 + k * 11) % 900 + 10}.{(n + k) % 100:02d}"
        if (n + k) % 23 == 0:  # milk: exempt
            items.append(
                Item(price, "0", qty="2", hsn="0401", uqc="LTR", taxability=Taxability.EXEMPT)
            )
        else:
            items.append(Item(price, rate, qty=str(k % 3 + 1), hsn=hsn, uqc=uqc))
    return items


def build_month(count: int) -> list[PostedDocument]:
    """``count`` invoices (5 lines each) plus a note for every 50th and a cancelled 1 in 500."""
    buyers = [gstin(state, pan) for state in set(STATES) for pan in PANS]
    documents: list[PostedDocument] = []
    for n in range(count):
        day = date(2025, 4, n % 30 + 1)
        number = f"INV/25-26/{n + 1:05d}"
        lines = _lines(n)
        kind = n % 10
        if kind < 4:  # B2B, intra or inter by the buyer's state
            doc = invoice(number, day, *lines, buyer_gstin=buyers[n % len(buyers)])
        elif kind == 4:  # large inter-state B2C
            big = [Item("30000", "18", qty="1", hsn="8471"), *lines[1:]]
            doc = invoice(number, day, *big, buyer_state=STATES[3 + n % 5])
        elif kind == 5 and n % 20 == 5:
            export = Export(n % 40 == 5, "INNSA1", f"{n:07d}", day)
            doc = invoice(number, day, *lines, export=export)
        else:  # small B2C, mostly in our own state
            doc = invoice(number, day, *lines, buyer_state=STATES[n % len(STATES)])
        if n % 500 == 499:
            doc = cancelled(doc)
        documents.append(doc)
        if n % 50 == 10:
            note = credit_note if n % 100 == 10 else debit_note
            prefix = "CN" if note is credit_note else "DN"
            documents.append(note(f"{prefix}/25-26/{n:05d}", day, doc, lines[0]))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 invoices")
    parser.add_argument("--invoices", type=int, default=None)
    args = parser.parse_args()
    count = args.invoices or (5_000 if args.quick else 50_000)
    load = os.getloadavg()
    say(f"gst bench: {count:,} invoices, load average {load[0]:.1f} on {os.cpu_count()} cores")

    started = time.perf_counter()
    documents = build_month(count)
    lines = sum(len(d.lines) for d in documents)
    say(
        f"built {len(documents):,} documents, {lines:,} lines "
        f"in {time.perf_counter() - started:.1f} s"
    )

    runs: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gstr1.json"
        for _ in range(3):
            started = time.perf_counter()
            data = gstr1(SELLER_GSTIN, PERIOD, documents)
            write_gstr1(data, path)
            runs.append((time.perf_counter() - started) * 1000)
        size = path.stat().st_size
        problems = validate_gstr1(data)
    if problems:
        raise SystemExit(f"the benchmark's return does not match the schema: {problems[:3]}")
    note = f"load average {load[0]:.1f} on {os.cpu_count()} cores; JSON {size / 1e6:.1f} MB"
    emit(
        "gstr1_ms", statistics.median(runs), "ms", 3000, "lower", count, len(runs),
        "GSTR-1 JSON for a month (gstr1 + write)", note=note, lines=lines,
    )  # fmt: skip


if __name__ == "__main__":
    main()
