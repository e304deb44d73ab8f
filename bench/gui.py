"""Desktop program benchmark: cold start to a painted main window, and a 100,000-row ledger.

Figures (DESIGN.md §9, one JSON line each on stdout, a human line on stderr):

    cold_start_s          a fresh process: Python, Qt, the company opened with its key (no key
                          derivation), the main window shown with the dashboard's figures
                          painted; measured from before the process starts
    key_derivation_s      what the password adds on top: Argon2id and the key slot, measured
                          apart (the issue excludes it from the start figure)
    ledger_first_rows_ms  a ledger of 100,000 postings: from asking for it to its first rows
                          painted
    ledger_all_rows_ms    the same until every row is loaded (scrolling needs no more reads)

Usage:
    QT_QPA_PLATFORM=offscreen python bench/gui.py            # full size
    QT_QPA_PLATFORM=offscreen python bench/gui.py --quick    # 10,000 postings
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import figures

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCH = "gui"
emit = partial(figures.emit, BENCH)
PASSWORD = "bench-gui-password-1"  # a throwaway company


def child_start(folder: Path, key_hex: str) -> None:
    """Run in a fresh process: open, show, wait for the dashboard's figures, say when."""
    from PySide6.QtWidgets import QApplication

    from app.storage.company import open_with_key
    from app.ui.ops import Runner
    from app.ui.shell import MainWindow

    app = QApplication(sys.argv[:1])
    runner = Runner()
    company = open_with_key(folder, bytes.fromhex(key_hex), "owner")
    window = MainWindow(company, runner)
    window.show()
    while window.dashboard.board is None:
        app.processEvents()
        time.sleep(0.001)
    window.dashboard.repaint()  # the figures are on screen, not only in the model
    print("painted", flush=True)
    window.close()
    runner.shutdown()
    company.close()


def build_company(folder: Path, postings: int) -> tuple[bytes, str]:
    """A company whose Cash account has ``postings`` postings (half as many vouchers)."""
    from app.ledger.model import Line, Voucher, VoucherType
    from app.ledger.service import create_books, post_vouchers, resolve_accounts
    from app.money import D
    from app.storage.company import CompanyProfile

    start = date(2025, 4, 1)
    company, _ = create_books(folder, CompanyProfile("Bench GUI Traders", "27", start), PASSWORD)
    ids = resolve_accounts(company, ["Cash", "Sales", "Rent"])
    batch: list[Voucher] = []
    for n in range(postings):
        day = start + timedelta(days=n % 365)
        amount = D(f"{100 + n % 900}.{n % 100:02d}")
        if n % 2:
            lines = (Line(ids["Cash"], amount), Line(ids["Sales"], -amount))
            kind = VoucherType.SALES
        else:
            lines = (Line(ids["Rent"], amount), Line(ids["Cash"], -amount))
            kind = VoucherType.PAYMENT
        batch.append(Voucher(kind, day, lines, f"entry {n}"))
        if len(batch) == 5000:
            post_vouchers(company, batch)
            batch = []
    if batch:
        post_vouchers(company, batch)
    key = company.database_key
    company.close()
    return key, "Cash"


def measure_start(folder: Path, key: bytes, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--child-start", str(folder), key.hex()],
            capture_output=True,
            text=True,
            check=True,
        )
        if "painted" not in done.stdout:
            raise RuntimeError(done.stderr)
        times.append(time.perf_counter() - began)
    return times


def measure_key_derivation(folder: Path, runs: int) -> list[float]:
    from app.storage.keyslots import KeyFile

    times = []
    for _ in range(runs):
        key_file = KeyFile.load(folder)
        began = time.perf_counter()
        key_file.unlock_with_password("owner", PASSWORD)
        times.append(time.perf_counter() - began)
    return times


def measure_ledger(
    folder: Path, key: bytes, account: str, runs: int
) -> tuple[list[float], list[float], int]:
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QApplication

    from app.storage.company import open_with_key
    from app.ui.ops import Runner
    from app.ui.pages.reports import LedgerView

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = Runner()
    company = open_with_key(folder, key, "owner")
    first: list[float] = []
    whole: list[float] = []
    rows = 0
    try:
        for _ in range(runs):
            view = LedgerView(company, runner)
            view.resize(1200, 700)
            view.show()
            app.processEvents()
            began = time.perf_counter()
            view.load(account, date(2026, 3, 31))
            while view.model.rowCount(QModelIndex()) == 0:
                app.processEvents()
                time.sleep(0.0005)
            view.table.viewport().repaint()
            first.append((time.perf_counter() - began) * 1000)
            while not view.complete:
                app.processEvents()
                time.sleep(0.0005)
            whole.append((time.perf_counter() - began) * 1000)
            rows = len(view.model.all_rows)
            view.close()
            view.deleteLater()
            app.processEvents()
    finally:
        runner.shutdown()
        company.close()
    return first, whole, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 postings")
    parser.add_argument("--size", type=int, help="postings in the ledger (default 100,000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child-start", nargs=2, metavar=("FOLDER", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_start:
        child_start(Path(args.child_start[0]), args.child_start[1])
        return 0
    size = args.size or (10_000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory(prefix="bahi-bench-gui-") as work:
        folder = Path(work) / "company"
        began = time.perf_counter()
        key, account = build_company(folder, size)
        print(f"built {size} postings in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        starts = measure_start(folder, key, args.runs)
        emit(
            "cold_start_s", statistics.median(starts), "s", 1.5, "lower", size, len(starts),
            "cold start to a painted main window (key derivation excluded)",
        )  # fmt: skip
        derivations = measure_key_derivation(folder, args.runs)
        note = "Argon2id, 64 MiB, t=3, p=4: added to the start when a password is typed"
        emit(
            "key_derivation_s", statistics.median(derivations), "s", None, "lower", 1,
            len(derivations), "key derivation", note=note,
        )  # fmt: skip
        first, whole, rows = measure_ledger(folder, key, account, args.runs)
        emit(
            "ledger_first_rows_ms", statistics.median(first), "ms", 200, "lower", rows,
            len(first), "ledger: first rows painted",
        )  # fmt: skip
        emit(
            "ledger_all_rows_ms", statistics.median(whole), "ms", None, "lower", rows,
            len(whole), "ledger: every row loaded",
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
