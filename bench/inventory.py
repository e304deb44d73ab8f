"""Inventory benchmark: barcode lookup, stock summary and search as you type on a big shop.

Builds a company with N items (default 100,000, each with an EAN-13 barcode and a SKU) and
M stock moves (default 1,000,000: opening stock for every item, then purchases, sales and
adjustments over FY 2025-26 in two godowns) through the real services, then prints each
figure as a human line on stderr and one JSON line on stdout (DESIGN.md §9):

    add_items_per_s          items through add_items (checks, barcodes, search index, audit)
    post_moves_per_s         stock moves through post_stock (balances, audit)
    barcode_lookup_p99_ms    queries.item_by_barcode for random known barcodes (goal 2)
    stock_summary_ms         stock_reports.stock_summary: on hand for every item, as the
                             report's columns (goal 300); cpu_ms: this process's CPU
    stock_summary_rows_ms    the same with a SummaryRow made for every line
    stock_summary_page_ms    one page of 100 lines (what a paged table view asks for)
    search_p99_ms            queries.search_items for every prefix of typed words (goal 30)
    search_median_ms         the same, median
    closing_value_s          queries.closing_stock_value (FIFO) over every move

Usage:
    python bench/inventory.py                  # full size (several minutes to build)
    python bench/inventory.py --quick          # 10,000 items and 100,000 moves
    python bench/inventory.py --keep /tmp/bahi-inv   # build once, reuse later
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import figures
from figures import say
from sqlalchemy import func, select

from app.inventory import queries
from app.inventory.barcodes import gs1_check_digit
from app.inventory.model import (
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveKind,
    StockEntry,
    ValuationMethod,
)
from app.inventory.service import add_godown, add_items, post_stock
from app.inventory.stock_reports import stock_summary
from app.inventory.tables import items, stock_moves
from app.ledger.service import create_books
from app.storage.company import Company, CompanyProfile, is_company_folder, open_company

BENCH = "inventory"
emit = partial(figures.emit, BENCH)
PASSWORD = "bench-inventory-password-1"  # a throwaway company
FULL_ITEMS, FULL_MOVES = 100_000, 1_000_000
QUICK_ITEMS, QUICK_MOVES = 10_000, 100_000
BOOKS_BEGIN = date(2025, 4, 1)
META_FILE = "bench-inventory.json"
ITEM_BATCH = 2_000
MOVE_BATCH = 5_000

BRANDS = (
    "Amul Tata Parle Britannia Haldiram Nestle Dabur Patanjali Fortune Aashirvaad Everest MDH "
    "Colgate Lux Surf Vim Maggi Kissan Lijjat Saffola Catch Bikaji Mother Dairy Hajmola Rasna"
).split()
PRODUCTS = (
    "Salt Sugar Atta Rice Basmati Toor Dal Moong Chana Besan Ghee Butter Paneer Biscuits Cookies "
    "Namkeen Bhujia Tea Coffee Soap Shampoo Toothpaste Detergent Oil Mustard Sunflower Masala "
    "Turmeric Chilli Jeera Ketchup Noodles Pickle Papad Rusk Cornflakes Honey Jam Vermicelli"
).split()
SIZES = "50g 100g 200g 250g 500g 1kg 2kg 5kg 100ml 200ml 500ml 1L 5L Pack-of-4 Family".split()


def ean13(n: int) -> str:
    body = f"890{n:09d}"
    return body + str(gs1_check_digit(body))


def item_name(n: int, rng: random.Random) -> str:
    return f"{rng.choice(BRANDS)} {rng.choice(PRODUCTS)} {rng.choice(SIZES)} {n}"


def build(folder: Path, n_items: int, n_moves: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    company, _ = create_books(folder, CompanyProfile("Bench Stores", "27", BOOKS_BEGIN), PASSWORD)
    try:
        back = add_godown(company, "Back Room")
        godowns = (GodownId(1), back)
        start = time.perf_counter()
        ids: list[ItemId] = []
        for first in range(0, n_items, ITEM_BATCH):
            drafts = [
                ItemDraft(
                    name=item_name(n, rng),
                    unit="PCS",
                    sku=f"SKU{n:06d}",
                    barcodes=(ean13(n),),
                    hsn="19053100",
                    gst_rate=Decimal(18),
                    sale_price=Decimal(rng.randint(10, 500)),
                    purchase_price=Decimal(rng.randint(5, 400)),
                    group=rng.choice(PRODUCTS),
                    reorder_level=Decimal(rng.randint(0, 20)),
                )
                for n in range(first, min(first + ITEM_BATCH, n_items))
            ]
            ids += add_items(company, drafts)
        item_seconds = time.perf_counter() - start
        say(f"added {len(ids):,} items in {item_seconds:.1f} s")

        start = time.perf_counter()
        moved = 0
        # opening stock for every item, then daily purchases, sales and a few adjustments
        for first in range(0, len(ids), MOVE_BATCH):
            moves = tuple(
                Move(i, godowns[0], Decimal(rng.randint(20, 200)), Decimal(rng.randint(100, 9999)))
                for i in ids[first : first + MOVE_BATCH]
            )
            post_stock(
                company, StockEntry(MoveKind.OPENING, BOOKS_BEGIN, "bench", f"o{first}", moves)
            )
            moved += len(moves)
        entry_no = 0
        while moved < n_moves:
            size = min(MOVE_BATCH, n_moves - moved)
            day = BOOKS_BEGIN + timedelta(days=int(moved / n_moves * 364))
            kind = rng.choices(
                (MoveKind.SALE, MoveKind.PURCHASE, MoveKind.ADJUSTMENT), (65, 30, 5)
            )[0]
            moves = tuple(
                _move(kind, rng.choice(ids), rng.choice(godowns), rng) for _ in range(size)
            )
            post_stock(company, StockEntry(kind, day, "bench", f"e{entry_no}", moves))
            entry_no += 1
            moved += size
        move_seconds = time.perf_counter() - start
        say(f"posted {moved:,} moves in {move_seconds:.1f} s")
        return {
            "items": len(ids),
            "moves": moved,
            "add_items_per_s": len(ids) / item_seconds,
            "post_moves_per_s": moved / move_seconds,
        }
    finally:
        company.close()


def _move(kind: MoveKind, item: ItemId, godown: GodownId, rng: random.Random) -> Move:
    if kind is MoveKind.SALE:
        return Move(item, godown, -Decimal(rng.randint(1, 5)))
    if kind is MoveKind.PURCHASE:
        return Move(item, godown, Decimal(rng.randint(10, 60)), Decimal(rng.randint(100, 9999)))
    return Move(item, godown, Decimal(rng.choice((-2, -1, 1))))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def cpu_timed(fn: Callable[[], object]) -> float:
    """Milliseconds of this process's CPU: less swayed than wall time by other work."""
    start = time.process_time()
    fn()
    return (time.process_time() - start) * 1000


def load_note() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def measure(company: Company, meta: dict[str, float], seed: int) -> None:
    rng = random.Random(seed + 1)
    with company.reader() as conn:
        n_items = int(conn.execute(select(func.count()).select_from(items)).scalar() or 0)
        n_moves = int(conn.execute(select(func.count()).select_from(stock_moves)).scalar() or 0)
        names = list(
            conn.execute(select(items.c.name).order_by(func.random()).limit(200)).scalars()
        )

        codes = [ean13(rng.randrange(n_items)) for _ in range(2000)]
        for code in codes[:50]:  # warm the page cache
            queries.item_by_barcode(conn, code)
        lookups = [timed(lambda c=code: queries.item_by_barcode(conn, c)) for code in codes]
        assert all(queries.item_by_barcode(conn, c) is not None for c in codes[:20])
        emit(
            "barcode_lookup_p99_ms",
            p99(lookups),
            "ms",
            2,
            "lower",
            n_items,
            len(lookups),
            "barcode lookup p99",
            note=load_note(),
            median_ms=round(statistics.median(lookups), 3),
            via="app.inventory.queries.item_by_barcode",
        )

        rows = stock_summary(conn)  # warm-up
        runs = [timed(lambda: stock_summary(conn)) for _ in range(7)]
        cpu = [cpu_timed(lambda: stock_summary(conn)) for _ in range(7)]
        emit(
            "stock_summary_ms",
            statistics.median(runs),
            "ms",
            300,
            "lower",
            n_moves,
            len(runs),
            "stock summary, every item (median)",
            rows=len(rows),
            cpu_ms=round(statistics.median(cpu), 1),
            note=load_note(),
            via="app.inventory.stock_reports.stock_summary",
        )
        runs = [timed(lambda: list(stock_summary(conn))) for _ in range(5)]
        emit(
            "stock_summary_rows_ms",
            statistics.median(runs),
            "ms",
            None,
            "lower",
            n_moves,
            len(runs),
            "stock summary with a SummaryRow made for every line (median)",
            rows=len(rows),
            note=load_note(),
        )
        page = [
            timed(lambda: stock_summary(conn, offset=len(rows) // 2, limit=100)) for _ in range(7)
        ]
        emit(
            "stock_summary_page_ms",
            statistics.median(page),
            "ms",
            None,
            "lower",
            n_moves,
            len(page),
            "one page of 100 lines from the middle of the stock summary (median)",
            note=load_note(),
        )

        typed = []
        for name in names[:60]:
            word = rng.choice(name.split()[:2])
            typed += [word[:k] for k in range(1, len(word) + 1)]
            typed.append(name.split()[-1])  # the number part: a substring search
        typed += [c[-6:] for c in codes[:40]]  # part of a barcode
        for term in typed[:20]:
            queries.search_items(conn, term)
        searches = [timed(lambda t=term: queries.search_items(conn, t)) for term in typed]
        emit(
            "search_p99_ms",
            p99(searches),
            "ms",
            30,
            "lower",
            n_items,
            len(searches),
            "search as you type p99",
            note=load_note(),
            via="app.inventory.queries.search_items",
        )
        emit(
            "search_median_ms",
            statistics.median(searches),
            "ms",
            None,
            "lower",
            n_items,
            len(searches),
            "search as you type median",
            note=load_note(),
        )

        start = time.perf_counter()
        queries.closing_stock_value(conn, date(2026, 3, 31), ValuationMethod.FIFO)
        emit(
            "closing_value_s",
            time.perf_counter() - start,
            "s",
            None,
            "lower",
            n_moves,
            1,
            "closing stock value (FIFO, every move replayed)",
            note=load_note(),
        )
    if "add_items_per_s" in meta:
        emit(
            "add_items_per_s",
            meta["add_items_per_s"],
            "items/s",
            None,
            "higher",
            n_items,
            1,
            "items through add_items",
            note=load_note(),
        )
        emit(
            "post_moves_per_s",
            meta["post_moves_per_s"],
            "moves/s",
            None,
            "higher",
            n_moves,
            1,
            "moves through post_stock",
            note=load_note(),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items, 100,000 moves")
    parser.add_argument("--items", type=int)
    parser.add_argument("--moves", type=int)
    parser.add_argument("--keep", metavar="DIR", help="build there once and reuse it")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    n_items = args.items or (QUICK_ITEMS if args.quick else FULL_ITEMS)
    n_moves = args.moves or (QUICK_MOVES if args.quick else FULL_MOVES)
    with tempfile.TemporaryDirectory(prefix="bahi-bench-inventory-") as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch) / "company"
        meta: dict[str, float] = {}
        if is_company_folder(folder):
            say(f"reusing {folder}")
        else:
            meta = build(folder, n_items, n_moves, args.seed)
            if args.keep:
                (folder / META_FILE).write_text(json.dumps(meta))
        company = open_company(folder, "owner", PASSWORD)
        try:
            measure(company, meta, args.seed)
        finally:
            company.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
