"""GST benchmark: GSTR-1 for a busy month, JSON written (issue 3: under 3 s).

Builds N invoices (default 50,000) with 5 lines each in memory as PostedDocuments, their tax
computed by the real engine (not timed): B2B intra and inter-state, small and large B2C,
exempt lines, exports, credit and debit notes and a few cancelled invoices. Then it writes
them into a real (SQLCipher) company through the billing tables, in bulk (not timed: the
posting speed is bench/billing.py's), and prints (DESIGN.md §9):

    gstr1_books_ms    the whole path: ``period_gstr1`` reads the month from the company
                      (SQLite sums the lines) and builds the return, then ``write_gstr1()``
                      writes it (goal 3000), median of 3; cpu_ms: this process's CPU for
                      it, less swayed by other work
    period_gstr1_ms          of it, ``period_gstr1`` (read and build)
    gstr1_write_ms           of it, writing the JSON
    gstr1_documents_ms       the same file the older way, once: ``period_books`` reads the
                             documents whole, then ``gstr1()`` and the write; the bench stops
                             if the two files differ by a byte
    gstr1_export_ms          what ``bahi gst gstr1 --out`` and the GST page's export do, once:
                             ``gstr1_books`` (the month and the readiness check's lines),
                             ``problems()``, ``gstr1()`` and the write (the same file again),
                             without the schema check, which is:
    validate_gstr1_ms        ``validate_gstr1`` on the month's return, once
    gstr3b_summary_ms        the GSTR-3B summary with its drill-down lists, from the month's
                             documents read whole, once
    gst_page_ms              what the GST page reads for a month (``gst_jobs.read_period``:
                             the documents, the problems, the GSTR-1 and 3B summaries), once
    gstr1_ms                 ``gstr1()`` plus writing, from the documents built in memory

Usage:
    python bench/gst.py                        # 50,000 invoices, 250,000 lines
    python bench/gst.py --quick                # 5,000 invoices
    python bench/gst.py --keep /tmp/bahi-gst   # build the company there once, reuse later
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import figures
from figures import say

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.reports.gst_documents

from sqlalchemy import func, select

from app.billing.model import Export, PostedDocument
from app.billing.service import document_line_rows, document_row
from app.billing.tables import document_lines, documents
from app.gst import Taxability
from app.gst.periods import parse_period
from app.ledger.service import create_books
from app.reports.gst_returns import gstr1_books, period_books, period_gstr1
from app.reports.gstr1 import gstr1, validate_gstr1, write_gstr1
from app.storage.company import Company, CompanyProfile, is_company_folder, open_company
from app.ui.ops import CancelToken, JobContext
from app.ui.pages.gst_jobs import read_period
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
PASSWORD = "bench-gst-password-1"  # a throwaway company
WRITE_BATCH = 2_000


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
    month: list[PostedDocument] = []
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
        month.append(doc)
        if n % 50 == 10:
            note = credit_note if n % 100 == 10 else debit_note
            prefix = "CN" if note is credit_note else "DN"
            month.append(note(f"{prefix}/25-26/{n:05d}", day, doc, lines[0]))
    return month


def build_company(folder: Path, documents_: Sequence[PostedDocument]) -> None:
    """A company whose books hold the month, written through the billing tables in bulk."""
    profile = CompanyProfile("Bench GST Traders", "27", date(2025, 4, 1), gstin=SELLER_GSTIN)
    company, _ = create_books(folder, profile, PASSWORD)
    try:
        for first in range(0, len(documents_), WRITE_BATCH):
            chunk = documents_[first : first + WRITE_BATCH]
            with company.unit_of_work() as uow:
                # The rows billing's posting writes, with no party, voucher, stock or tenders
                # behind them: GSTR-1 reads the frozen counterparty and the figures.
                rows = [
                    document_row(d, "2025-04-30T18:00:00", "owner") | {"party_id": None}
                    for d in chunk
                ]
                uow.conn.execute(documents.insert(), rows)
                uow.conn.execute(
                    document_lines.insert(), [row for d in chunk for row in document_line_rows(d)]
                )
                uow.commit()
    finally:
        company.close()


def _median_ms(runs: list[float]) -> float:
    return statistics.median(runs) * 1000


def measure_books(company: Company, out: Path, count: int, lines: int) -> None:
    """The whole path from the company's database to the JSON file."""
    whole, reads, writes, cpu = [], [], [], []
    data: dict[str, Any] = {}
    with company.reader() as conn:
        for _ in range(3):
            started, cpu_started = time.perf_counter(), time.process_time()
            data = period_gstr1(conn, company.profile, PERIOD)
            read = time.perf_counter()
            write_gstr1(data, out)
            done = time.perf_counter()
            cpu.append(time.process_time() - cpu_started)
            whole.append(done - started)
            reads.append(read - started)
            writes.append(done - read)
        fast_bytes = out.read_bytes()
        started = time.perf_counter()
        books = period_books(conn, company.profile, PERIOD)
        write_gstr1(books.gstr1(), out)
        documents_s = time.perf_counter() - started
        if out.read_bytes() != fast_bytes:
            raise SystemExit("period_gstr1 and period_books(...).gstr1() wrote different files")
        started = time.perf_counter()
        books.gstr3b_summary()
        gstr3b_s = time.perf_counter() - started
        started = time.perf_counter()
        export = gstr1_books(conn, company.profile, PERIOD)
        found = export.problems()
        write_gstr1(export.gstr1(), out)
        export_s = time.perf_counter() - started
    if out.read_bytes() != fast_bytes:
        raise SystemExit("gstr1_books(...).gstr1() wrote a different file")
    if found != books.problems():
        raise SystemExit("gstr1_books and period_books found different problems")
    started = time.perf_counter()
    problems = validate_gstr1(data)
    validate_s = time.perf_counter() - started
    started = time.perf_counter()
    read_period(company, PERIOD, JobContext(CancelToken(), lambda done, total, text: None))
    page_s = time.perf_counter() - started
    if problems:
        raise SystemExit(f"the benchmark's return does not match the schema: {problems[:3]}")
    load = os.getloadavg()[0]
    note = f"load average {load:.1f} on {os.cpu_count()} cores"
    common = {"lines": lines, "documents": len(books.documents), "load": round(load, 2)}
    emit(
        "gstr1_books_ms", _median_ms(whole), "ms", 3000, "lower", count, len(whole),
        "GSTR-1 from the company's books (period_gstr1 + write)", note=note,
        via="app.reports.gst_returns.period_gstr1", cpu_ms=round(_median_ms(cpu)), **common,
    )  # fmt: skip
    emit(
        "period_gstr1_ms", _median_ms(reads), "ms", None, "lower", count, len(reads),
        "of it, reading and building (period_gstr1)", note=note, **common,
    )  # fmt: skip
    emit(
        "gstr1_write_ms", _median_ms(writes), "ms", None, "lower", count, len(writes),
        "of it, write_gstr1()", note=note, **common,
    )  # fmt: skip
    emit(
        "gstr1_documents_ms", documents_s * 1000, "ms", None, "lower", count, 1,
        "the same file through period_books (documents read whole) + gstr1() + write",
        note=note, **common,
    )  # fmt: skip
    emit(
        "gstr1_export_ms", export_s * 1000, "ms", None, "lower", count, 1,
        "the CLI's export less the schema check: gstr1_books + problems() + gstr1() + write",
        note=note, problems=len(found), **common,
    )  # fmt: skip
    emit(
        "validate_gstr1_ms", validate_s * 1000, "ms", None, "lower", count, 1,
        "validate_gstr1 on the return (the CLI and the GST page check it before writing)",
        note=note, **common,
    )  # fmt: skip
    emit(
        "gstr3b_summary_ms", gstr3b_s * 1000, "ms", None, "lower", count, 1,
        "the GSTR-3B summary and drill-down lists from the documents read whole",
        note=note, **common,
    )  # fmt: skip
    emit(
        "gst_page_ms", page_s * 1000, "ms", None, "lower", count, 1,
        "the GST page's read of a month (documents, problems, GSTR-1 and 3B summaries)",
        note=note, via="app.ui.pages.gst_jobs.read_period", **common,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 invoices")
    parser.add_argument("--invoices", type=int, default=None)
    parser.add_argument("--keep", metavar="DIR", help="build the company there once and reuse it")
    parser.add_argument(
        "--books-only", action="store_true", help="with --keep: only the figures from the books"
    )
    args = parser.parse_args()
    count = args.invoices or (5_000 if args.quick else 50_000)
    load = os.getloadavg()
    say(f"gst bench: {count:,} invoices, load average {load[0]:.1f} on {os.cpu_count()} cores")
    if args.books_only and args.keep and is_company_folder(Path(args.keep)):
        company = open_company(Path(args.keep), "owner", PASSWORD)
        try:
            with company.reader() as conn:
                lines = conn.execute(select(func.count()).select_from(document_lines)).scalar_one()
            with tempfile.TemporaryDirectory() as scratch:
                measure_books(company, Path(scratch) / "gstr1.json", count, lines)
        finally:
            company.close()
        return

    started = time.perf_counter()
    documents_ = build_month(count)
    lines = sum(len(d.lines) for d in documents_)
    say(
        f"built {len(documents_):,} documents, {lines:,} lines "
        f"in {time.perf_counter() - started:.1f} s"
    )

    runs: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "gstr1.json"
        for _ in range(3):
            started = time.perf_counter()
            data = gstr1(SELLER_GSTIN, PERIOD, documents_)
            write_gstr1(data, path)
            runs.append((time.perf_counter() - started) * 1000)
        size = path.stat().st_size
        problems = validate_gstr1(data)
        if problems:
            raise SystemExit(f"the benchmark's return does not match the schema: {problems[:3]}")
        load = os.getloadavg()
        note = f"load average {load[0]:.1f} on {os.cpu_count()} cores; JSON {size / 1e6:.1f} MB"
        emit(
            "gstr1_ms", statistics.median(runs), "ms", None, "lower", count, len(runs),
            "GSTR-1 JSON from documents in memory (gstr1 + write)", note=note, lines=lines,
        )  # fmt: skip

        folder = Path(args.keep) if args.keep else Path(scratch) / "company"
        if is_company_folder(folder):
            say(f"reusing {folder}")
        else:
            started = time.perf_counter()
            build_company(folder, documents_)
            say(f"wrote them into {folder} in {time.perf_counter() - started:.1f} s")
        company = open_company(folder, "owner", PASSWORD)
        try:
            measure_books(company, path, count, lines)
        finally:
            company.close()


if __name__ == "__main__":
    main()
