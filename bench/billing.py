"""Billing benchmark: printed invoices, posting, and the POS counter, one function per figure.

Each figure is a human line on stderr and one JSON line on stdout (DESIGN.md §9):

    invoice_pdf_ms            median wall time of invoice_pdf for a 10-line A4 tax invoice
                              (classic template: letterhead, HSN summary, bank, terms, UPI QR)
    invoice_pdf_vs_bare       rate of invoice_pdf relative to a bare reportlab canvas page that
                              draws the same 10-line table with drawString (the same faces,
                              registered as reportlab ships them)
    invoice_pdf_vs_same_text  the same against a bare page drawing every string the invoice
                              draws, at the same places: what the layout itself costs
    receipt_pdf_ms            median wall time of receipt_pdf (80 mm thermal) for the same bill
    post_invoice_ms           median time to post one 10-line sales invoice to a real SQLCipher
                              company joined to sync: document, lines, voucher, stock moves,
                              audit, sync outbox row, commit (outbox_body_ms: building the
                              row's body, done by the sync engine at the first push)
    bulk_post_s               10,000 such invoices posted with post_documents in batches of
                              1,000 (--quick: 1,000, scaled to 10,000)
    scan_to_line_p99_ms       the POS page offscreen on a company with 100,000 items (--quick:
                              10,000): from a scan's Enter to the bill's row painted, p99

Invoices and bare pages are timed one after the other in the same loop, so the ratios hold
under the shared machine's changing load; each figure also carries the median CPU time and
the load average. Every invoice gets its own number, so no QR code is reused.

Usage:
    python bench/billing.py             # 200 invoices per figure
    python bench/billing.py --quick     # 50, a few seconds
    python bench/billing.py --only scan_to_line_ms --keep /tmp/bahi-pos   # build once, reuse
    python bench/billing.py --only scan_to_line_ms --keep /tmp/bahi-pos --profile   # cProfile
                                        # of the timed part only (Enter to the row painted)
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import Any

import figures
from figures import say

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.billing

from reportlab.lib.pagesizes import A4

from app.billing.model import PostedDocument
from app.billing.printing import drawing, invoice_pdf, load_template, receipt_pdf
from app.billing.printing.content import amount, percent, quantity
from app.billing.printing.drawing import new_canvas
from app.billing.printing.fonts import Fonts, font_dirs, fonts_for
from tests.billing.printed_documents import GROCERY, document, seller

BENCH = "billing"
emit = partial(figures.emit, BENCH)
FULL_RUNS, QUICK_RUNS = 200, 50
WARM_UP = 5

HEAD = seller()
CLASSIC = load_template("classic")


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def invoices(runs: int) -> list[PostedDocument]:
    """``runs`` copies of the 10-line grocery invoice, each with its own number."""
    first = document(GROCERY)
    return [replace(first, number=f"INV/25-26/{n:04d}") for n in range(1, runs + WARM_UP + 1)]


@cache
def bare_fonts() -> Fonts:
    """The classic template's faces registered again as reportlab ships them: the app's own
    registrations keep the font subsets they cut, and a bare page would not have that."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    family = CLASSIC.font
    folder = next(d for d in font_dirs() if (d / f"{family}-Regular.ttf").is_file())
    for style in ("Regular", "Bold"):
        path = folder / f"{family}-{style}.ttf"
        pdfmetrics.registerFont(TTFont(f"Bare{family}-{style}", str(path)))
    return Fonts(f"Bare{family}-Regular", f"Bare{family}-Bold", "₹")


def bare_table_page(doc: PostedDocument, out: io.BytesIO) -> None:
    """The baseline: the invoice's 10-line table drawn with drawString on a bare page."""
    fonts = bare_fonts()
    size = CLASSIC.table_size
    canvas = new_canvas(out, A4, doc.number, HEAD.name)
    canvas.setFont(fonts.bold, size)
    titles = "# Description HSN/SAC Qty Rate Disc. Taxable Rate CGST Rate SGST Rate Cess"
    for column, title in enumerate(titles.split()):
        canvas.drawString(30 + column * 40, 700, title)
    canvas.setFont(fonts.regular, size)
    for row, line in enumerate(doc.lines):
        half = percent(line.gst_rate / 2)
        cells = (
            str(line.line_no),
            line.description,
            line.hsn,
            f"{quantity(line.qty)} {line.uqc}",
            amount(line.unit_price),
            amount(line.discount) if line.discount else "",
            amount(line.taxable),
            half,
            amount(line.cgst),
            half,
            amount(line.sgst),
            percent(line.cess_rate) if line.cess else "",
            amount(line.cess) if line.cess else "",
        )
        for column, text in enumerate(cells):
            canvas.drawString(30 + column * 40, 688 - row * 12, text)
    canvas.setFont(fonts.bold, size)
    for column, text in ((6, amount(doc.taxable)), (8, amount(doc.cgst)), (10, amount(doc.sgst))):
        canvas.drawString(30 + column * 40, 688 - len(doc.lines) * 12, text)
    canvas.showPage()
    canvas.save()


def recorded_strings(doc: PostedDocument) -> list[tuple[float, float, str, bool, float]]:
    """Every string invoice_pdf draws for ``doc``, with its place, weight and size."""
    seen: list[tuple[float, float, str, bool, float]] = []
    original = drawing.Pen.text

    def record(
        self: drawing.Pen, x: float, y: float, text: str, size: float, *a: Any, **k: Any
    ) -> None:
        bold = bool(a[0]) if a else bool(k.get("bold", False))
        seen.append((x, y, text, bold, size))
        original(self, x, y, text, size, *a, **k)

    drawing.Pen.text = record  # type: ignore[method-assign]
    try:
        invoice_pdf(doc, HEAD, CLASSIC, io.BytesIO())
    finally:
        drawing.Pen.text = original  # type: ignore[method-assign]
    return [s for s in seen if s[2]]


def same_text_page(strings: list[tuple[float, float, str, bool, float]], out: io.BytesIO) -> None:
    fonts = fonts_for(CLASSIC.font)
    canvas = new_canvas(out, A4, "bare", HEAD.name)
    for x, y, text, bold, size in strings:
        canvas.setFont(fonts.bold if bold else fonts.regular, size)
        canvas.drawString(x, y, text)
    canvas.showPage()
    canvas.save()


def timed(job: Callable[[int], None], n: int) -> tuple[float, float]:
    """Wall and CPU milliseconds of ``job(n)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    job(n)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def interleaved(
    runs: int, ours: Callable[[int], None], theirs: Callable[[int], None]
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Alternate the two jobs ``runs`` times after a warm-up; wall and CPU ms of each."""
    for n in range(WARM_UP):
        ours(n)
        theirs(n)
    a_wall, a_cpu, b_wall, b_cpu = [], [], [], []
    for n in range(WARM_UP, WARM_UP + runs):
        wall, cpu = timed(ours, n)
        a_wall.append(wall)
        a_cpu.append(cpu)
        wall, cpu = timed(theirs, n)
        b_wall.append(wall)
        b_cpu.append(cpu)
    return a_wall, a_cpu, b_wall, b_cpu


def invoice_pdf_ms(runs: int) -> None:
    docs = invoices(runs)
    walls = []
    cpus = []
    for n in range(len(docs)):
        wall, cpu = timed(lambda k: invoice_pdf(docs[k], HEAD, CLASSIC, io.BytesIO()), n)
        if n >= WARM_UP:
            walls.append(wall)
            cpus.append(cpu)
    emit(
        "invoice_pdf_ms",
        statistics.median(walls),
        "ms",
        10,
        "lower",
        len(docs[0].lines),
        runs,
        "A4 10-line tax invoice PDF (median)",
        cpu_ms=round(statistics.median(cpus), 3),
        p90_ms=round(statistics.quantiles(walls, n=10)[-1], 3),
        note=load_note(),
        via="app.billing.printing.invoice_pdf",
    )


def invoice_pdf_vs_bare(runs: int) -> None:
    docs = invoices(runs)
    ours_wall, ours_cpu, bare_wall, bare_cpu = interleaved(
        runs,
        lambda n: invoice_pdf(docs[n], HEAD, CLASSIC, io.BytesIO()),
        lambda n: bare_table_page(docs[n], io.BytesIO()),
    )
    ours, bare = statistics.median(ours_wall), statistics.median(bare_wall)
    emit(
        "invoice_pdf_vs_bare",
        bare / ours,
        "ratio",
        0.7,
        "higher",
        len(docs[0].lines),
        runs,
        "invoice_pdf rate / bare drawString table page rate",
        invoice_ms=round(ours, 3),
        bare_ms=round(bare, 3),
        cpu_ratio=round(statistics.median(bare_cpu) / statistics.median(ours_cpu), 3),
        note=load_note(),
    )


def invoice_pdf_vs_same_text(runs: int) -> None:
    docs = invoices(runs)
    strings = [recorded_strings(doc) for doc in docs]
    ours_wall, ours_cpu, bare_wall, bare_cpu = interleaved(
        runs,
        lambda n: invoice_pdf(docs[n], HEAD, CLASSIC, io.BytesIO()),
        lambda n: same_text_page(strings[n], io.BytesIO()),
    )
    ours, bare = statistics.median(ours_wall), statistics.median(bare_wall)
    emit(
        "invoice_pdf_vs_same_text",
        bare / ours,
        "ratio",
        None,
        "higher",
        len(strings[0]),
        runs,
        "invoice_pdf rate / bare page with the same strings",
        invoice_ms=round(ours, 3),
        bare_ms=round(bare, 3),
        cpu_ratio=round(statistics.median(bare_cpu) / statistics.median(ours_cpu), 3),
        note=load_note(),
    )


def receipt_pdf_ms(runs: int) -> None:
    docs = invoices(runs)
    walls = []
    for n in range(len(docs)):
        wall, _ = timed(lambda k: receipt_pdf(docs[k], HEAD, io.BytesIO()), n)
        if n >= WARM_UP:
            walls.append(wall)
    emit(
        "receipt_pdf_ms",
        statistics.median(walls),
        "ms",
        None,
        "lower",
        len(docs[0].lines),
        runs,
        "80 mm thermal receipt PDF (median)",
        note=load_note(),
        via="app.billing.printing.receipt_pdf",
    )


def _posting_company(folder: Path) -> tuple[Any, Any]:
    """A company with 10 stocked items and one customer, and a 10-line invoice draft."""
    from datetime import date
    from decimal import Decimal

    from app.billing.model import DocKind, DocumentDraft, DraftLine, PartyDraft
    from app.billing.parties import add_party
    from app.inventory.model import GodownId, ItemDraft
    from app.inventory.service import StockLine, add_items, set_opening_stock
    from app.ledger.service import create_books
    from app.storage.company import CompanyProfile

    profile = CompanyProfile("Bench Traders", "27", date(2025, 4, 1), "27AAPFU0939F1ZV")
    company, _ = create_books(folder, profile, "bench-password-1")
    _join_sync(company)
    drafts = [ItemDraft(f"Item {n}", hsn="1006", gst_rate=Decimal(5)) for n in range(10)]
    items = add_items(company, drafts)
    stock = [StockLine(i, Decimal(10**7), value=Decimal(1000)) for i in items]
    set_opening_stock(company, GodownId(1), stock)
    party = add_party(company, PartyDraft("Rao Stores", gstin="29AABCR1718E1ZL"))
    lines = tuple(
        DraftLine(f"Item {n}", Decimal(2), Decimal("45.50"), Decimal(5), item_id=i, hsn="1006")
        for n, i in enumerate(items)
    )
    return company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 1), lines, party_id=party)


def _join_sync(company: Any) -> None:
    """Give the company a device id, as joining a shop does: from then on every commit also
    writes its sync outbox row, which the posting figures include."""
    import app.syncing  # noqa: F401  (registers the outbox hook)
    from app.syncing.capture import write_state
    from sync.crypto import new_id

    with company.unit_of_work() as uow:
        write_state(uow.conn, "device_id", new_id())
        uow.commit()


def _outbox_rows(company: Any) -> int:
    from sqlalchemy import func, select

    from app.syncing.tables import sync_outbox

    with company.reader() as conn:
        return int(conn.execute(select(func.count()).select_from(sync_outbox)).scalar_one())


def post_invoice_ms(runs: int) -> None:
    import tempfile

    from app.billing.service import post_document

    with tempfile.TemporaryDirectory() as tmp:
        company, draft = _posting_company(Path(tmp) / "c")
        with company:
            walls, cpus = [], []
            for n in range(runs + WARM_UP):
                start, cpu = time.perf_counter(), time.process_time()
                post_document(company, draft)
                if n >= WARM_UP:
                    walls.append((time.perf_counter() - start) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
            outbox = _outbox_rows(company)
            built_ms = _complete_outbox_ms(company) / (runs + WARM_UP)
    if outbox < runs + WARM_UP:
        raise SystemExit(f"only {outbox} outbox rows for {runs + WARM_UP} invoices")
    emit(
        "post_invoice_ms",
        statistics.median(walls),
        "ms",
        10,
        "lower",
        len(draft.lines),
        runs,
        "post a 10-line invoice: document, voucher, stock, audit, outbox, commit (median)",
        p90_ms=round(statistics.quantiles(walls, n=10)[-1], 3),
        cpu_ms=round(statistics.median(cpus), 3),
        outbox_body_ms=round(built_ms, 3),
        note=load_note(),
    )


def _complete_outbox_ms(company: Any) -> float:
    """What the sync engine spends at the first push building each sale's outbox body
    (off the counter's path): all of them at once, as a push does."""
    from app.syncing.capture import complete_outbox

    start = time.perf_counter()
    with company.unit_of_work() as uow:
        complete_outbox(uow.conn)
        uow.commit()
    return (time.perf_counter() - start) * 1000


def bulk_post_s(runs: int) -> None:
    import tempfile

    from app.billing.service import post_documents

    total = 10_000 if runs >= FULL_RUNS else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        company, draft = _posting_company(Path(tmp) / "c")
        with company:
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(total // 1000):
                post_documents(company, [draft] * 1000)
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu
    emit(
        "bulk_post_s",
        seconds * 10_000 / total,
        "s",
        20,
        "lower",
        10_000,
        1,
        f"10,000 invoices posted in bulk ({total:,} timed, scaled)",
        cpu_s=round(cpu_seconds * 10_000 / total, 3),
        timed=total,
        note=load_note(),
    )


# The counter: scan to line painted ----------------------------------------------------------

POS_PASSWORD = "bench-billing-password-1"  # a throwaway company
POS_META = "bench-billing-pos.json"
FULL_ITEMS, QUICK_ITEMS = 100_000, 10_000
ITEM_BATCH = 2_000
BILL_LINES = 40  # a big grocery bill; the counter starts a new bill after it
REPEAT_SHARE = 0.2  # scans of an item already on the bill (adds 1 to its line)
KEY_GAP_MS, SCAN_PAUSE_MS = 4, 1_500  # a scanner's keys, and a cashier between items
POS_OPTIONS: dict[str, Any] = {"items": None, "keep": None, "profile": False}


def pos_code(n: int) -> str:
    from app.inventory.barcodes import gs1_check_digit

    body = f"890{n:09d}"
    return body + str(gs1_check_digit(body))


def pos_name(n: int) -> str:
    return f"Item {n:06d} {('Atta', 'Dal', 'Soap', 'Tea', 'Oil', 'Rice')[n % 6]}"


def pos_company(folder: Path, n_items: int) -> Any:
    """The shop's company with ``n_items`` barcoded items; built once in ``folder`` and
    reused while it has that many items.

    The first ``ITEM_BATCH`` items go through ``add_items``; the rest are written in one
    transaction with the same rows ``add_items`` writes (item, barcode, search row, audit
    row), because adding 100,000 items one by one takes most of an hour on a busy 2-core
    machine. The scan reads them the same way whichever way they came in."""
    import json
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from sqlalchemy import text

    from app.inventory.barcodes import barcode_kind
    from app.inventory.model import ItemDraft, check_item
    from app.inventory.service import _item_row, add_items, search_body
    from app.inventory.tables import ITEM_SEARCH, item_barcodes, items
    from app.ledger.service import create_books
    from app.storage.company import CompanyProfile, is_company_folder, open_company

    meta = folder / POS_META
    if is_company_folder(folder) and meta.exists():
        if json.loads(meta.read_text())["items"] == n_items:
            say(f"reusing {folder} ({n_items:,} items)")
            return open_company(folder, "owner", POS_PASSWORD)
        raise SystemExit(f"{folder} holds another size; remove it or choose another --keep")

    def draft(n: int) -> ItemDraft:
        return ItemDraft(
            pos_name(n),
            unit="PCS",
            sku=f"SKU{n:06d}",
            barcodes=(pos_code(n),),
            hsn="19053100",
            gst_rate=Decimal(18),
            sale_price=Decimal(10 + n % 490),
        )

    profile = CompanyProfile("Bench Kirana", "27", date(2025, 4, 1))
    company, _ = create_books(folder, profile, POS_PASSWORD)
    start = time.perf_counter()
    first = add_items(company, [draft(n) for n in range(min(ITEM_BATCH, n_items))])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with company.unit_of_work() as uow:
        rows, codes, search = [], [], []
        base = int(first[-1]) - len(first) if first else 0
        for n in range(len(first), n_items):
            made = draft(n)
            check_item(made)
            item_id = base + n + 1
            rows.append({**_item_row(made), "id": item_id, "created_at": now, "updated_at": now})
            codes += [
                {"code": c, "item_id": item_id, "kind": barcode_kind(c).value}
                for c in made.barcodes
            ]
            search.append({"id": item_id, "body": search_body(made.name, made.sku, made.barcodes)})
            uow.record("item.add", "item", item_id, {"name": made.name})
        if rows:
            uow.conn.execute(items.insert(), rows)
            uow.conn.execute(item_barcodes.insert(), codes)
            uow.conn.execute(
                text(f"INSERT INTO {ITEM_SEARCH} (rowid, body) VALUES (:id, :body)"), search
            )
        uow.commit()
    say(f"added {n_items:,} items in {time.perf_counter() - start:.0f} s")
    meta.write_text(json.dumps({"items": n_items}))
    return company


def scan_to_line_ms(runs: int) -> None:
    """Scans on the real counter page offscreen: the digits as a fast key burst, then Enter;
    timed from sending Enter until the bill's table has painted (its viewport's paint event,
    delivered by processing events as the event loop would) and the row is read back.

    The keys are QKeyEvents stamped with the scanner's timing (4 ms apart) as the window
    system stamps real ones. QTest's keys carry no time, so the counter falls back to the
    clock, and on a loaded machine one stall of 50 ms between two keys of a code reads as
    a person typing."""
    import cProfile
    import gc
    import pstats
    import random
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from app.ui.ops import Runner, UiThreadCollector
    from app.ui.pages.pos import PosPage

    runs = max(runs, 200)
    n_items = POS_OPTIONS["items"] or (FULL_ITEMS if runs >= FULL_RUNS else QUICK_ITEMS)
    app = QApplication.instance() or QApplication([])
    collector = UiThreadCollector(app)  # as the program runs the cycle collector
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(POS_OPTIONS["keep"] or Path(scratch) / "pos")
        company = pos_company(folder, n_items)
        runner = Runner()
        page = PosPage(company, runner)
        try:
            page.resize(1280, 800)
            page.show()
            page.activateWindow()
            page.raise_()
            deadline = time.monotonic() + 10
            while not (
                QApplication.activeWindow() is page and QApplication.focusWidget() is page.search
            ):
                if time.monotonic() > deadline:
                    raise SystemExit("the counter window did not get the keyboard focus")
                app.processEvents()
            scans: list[str] = []
            page.wedge.scanned.connect(scans.append)

            class PaintCounter(QObject):
                count = 0

                def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                    if event.type() == QEvent.Type.Paint:
                        self.count += 1
                    return False

            def focused() -> QWidget:
                widget = QApplication.focusWidget()
                if widget is None:
                    raise SystemExit("nothing on the counter has the keyboard focus")
                return widget

            def press(key: Qt.Key, char: str, stamp: int) -> None:
                """A key as the window system delivers a scanner's: with the time the
                scanner sent it, to whichever widget has the focus."""
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
                    event.setTimestamp(stamp)
                    QApplication.sendEvent(focused(), event)

            stamp = 1_000_000
            painted = PaintCounter()
            page.table.viewport().installEventFilter(painted)
            rng = random.Random(5)
            walls: list[float] = []
            cpus: list[float] = []  # this process's CPU time: the app's own work
            bill: list[int] = []
            profiler = cProfile.Profile() if POS_OPTIONS["profile"] else None
            for n in range(WARM_UP + runs):
                if len(page.cart.lines) >= BILL_LINES:
                    page.cart.clear()  # the next customer
                    page.refresh()
                    # the counter repaints empty while the next customer steps up, not
                    # inside their first scan
                    app.processEvents()
                    bill = []
                if bill and rng.random() < REPEAT_SHARE:
                    number = rng.choice(bill)
                else:
                    number = rng.randrange(n_items)
                    bill.append(number)
                code = pos_code(number)
                stamp += SCAN_PAUSE_MS
                for char in code:
                    stamp += KEY_GAP_MS
                    press(Qt.Key(ord(char)), char, stamp)
                paints = painted.count
                if profiler is not None:
                    profiler.enable()
                start, cpu = time.perf_counter(), time.process_time()
                press(Qt.Key.Key_Return, "\r", stamp + KEY_GAP_MS)
                while painted.count == paints:  # until the bill's table has painted
                    app.processEvents()
                if profiler is not None:
                    profiler.disable()
                cell = page.table.item(page.table.currentRow(), 1)
                wall = (time.perf_counter() - start) * 1000
                used = (time.process_time() - cpu) * 1000
                if cell is None or cell.text() != pos_name(number):
                    raise SystemExit(
                        f"scan {n} ({code}) did not put {pos_name(number)} on the bill: "
                        f"{page.message.text()!r}, search {page.search.text()!r}"
                    )
                if n >= WARM_UP:
                    walls.append(wall)
                    cpus.append(used)
            taken_as_typing = WARM_UP + runs - len(scans)
            if profiler is not None:  # the timed part only: from Enter to the row painted
                stats = pstats.Stats(profiler, stream=sys.stderr)
                stats.sort_stats("cumulative").print_stats(30)
                stats.sort_stats("tottime").print_stats(20)
        finally:
            page.cart.clear()
            page.close()
            runner.shutdown()
            company.close()
            collector.deleteLater()
            gc.enable()
    cuts = statistics.quantiles(walls, n=100)
    emit(
        "scan_to_line_p99_ms",
        cuts[98],
        "ms",
        15,
        "lower",
        n_items,
        runs,
        "scan to line painted on the counter (p99)",
        median_ms=round(statistics.median(walls), 3),
        p90_ms=round(cuts[89], 3),
        max_ms=round(max(walls), 3),
        cpu_median_ms=round(statistics.median(cpus), 3),
        cpu_p99_ms=round(statistics.quantiles(cpus, n=100)[98], 3),
        bill_lines=BILL_LINES,
        bursts_taken_as_typing=taken_as_typing,
        note=load_note(),
        via="app.ui.pages.pos.PosPage (offscreen, timed key bursts)",
    )


FIGURES: dict[str, Callable[[int], None]] = {
    "post_invoice_ms": post_invoice_ms,
    "bulk_post_s": bulk_post_s,
    "invoice_pdf_ms": invoice_pdf_ms,
    "invoice_pdf_vs_bare": invoice_pdf_vs_bare,
    "invoice_pdf_vs_same_text": invoice_pdf_vs_same_text,
    "receipt_pdf_ms": receipt_pdf_ms,
    "scan_to_line_ms": scan_to_line_ms,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs per figure")
    parser.add_argument("--runs", type=int, help="runs per figure")
    parser.add_argument("--only", choices=sorted(FIGURES), action="append", help="one figure")
    parser.add_argument("--items", type=int, help="items in the counter's company")
    parser.add_argument("--keep", metavar="DIR", help="build the counter's company there once")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the timed part of the scans"
    )
    args = parser.parse_args()
    POS_OPTIONS.update(items=args.items, keep=args.keep, profile=args.profile)
    runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    say(f"billing bench: {runs} runs per figure ({load_note()})")
    for name in args.only or FIGURES:
        FIGURES[name](runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
