"""``bahi gui --screenshot DIR``: every main screen of the demo company as a PNG, then exit.

Used for the docs and for review. It opens (and if need be builds) the demo company with its
known password, shows each screen at a fixed size, waits for its data, and grabs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QSize
from PySide6.QtWidgets import QApplication, QWidget

from app.ledger.model import VoucherType
from app.storage.company import is_company_folder, open_company
from app.ui.ops import Runner
from app.ui.shell import SCREENS, MainWindow
from app.ui.unlock import DEMO_PASSWORD, UnlockDialog, demo_folder

log = logging.getLogger(__name__)

SIZE = QSize(1280, 800)


def _settle(runner: Runner, msecs: int = 15_000) -> None:
    """Let queued work finish and its results paint."""
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < msecs:
        QCoreApplication.processEvents()
        runner.wait(50)
        QCoreApplication.processEvents()
        if not runner.busy:
            break
    for _ in range(5):
        QCoreApplication.processEvents()


def _grab(widget: QWidget, path: Path) -> Path:
    if not widget.grab().save(str(path)):
        raise OSError(f"Could not write {path}")
    return path


def take_screenshots(folder: Path, runner: Runner) -> list[Path]:
    """Write one PNG per main screen into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    unlock = UnlockDialog(runner)
    unlock.resize(720, 480)
    unlock.show()
    _settle(runner)
    written.append(_grab(unlock, folder / "00-company-chooser.png"))
    unlock.close()

    demo = demo_folder()
    if not is_company_folder(demo):
        from app.demo import build_demo

        log.info("building the demo company for screenshots")
        build_demo(demo, DEMO_PASSWORD)
    company = open_company(demo, "owner", DEMO_PASSWORD)
    try:
        window = MainWindow(company, runner)
        window.resize(SIZE)
        window.show()
        shots: list[tuple[str, Callable[[], None]]] = [
            (name, partial(window.show_screen, name)) for name in SCREENS
        ]
        shots += [
            ("journal-voucher", lambda: window.open_voucher_entry(VoucherType.JOURNAL)),
            ("trial-balance", window.open_trial_balance),
            ("profit-and-loss", lambda: window.open_report("Profit & loss", "")),
            ("balance-sheet", lambda: window.open_report("Balance sheet", "")),
            ("ledger-cash", lambda: window.open_report("Ledger", "Cash")),
        ]
        for index, (name, show) in enumerate(shots, start=1):
            show()
            _settle(runner)
            slug = name.lower().replace(" ", "-")
            written.append(_grab(window, folder / f"{index:02d}-{slug}.png"))
        window.ledger.vouchers.clear()
        window.close()
    finally:
        runner.settle()
        company.close()
    return written


def run_screenshots(folder: Path) -> int:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    runner = Runner()
    try:
        for path in take_screenshots(folder, runner):
            print(path)
    finally:
        runner.shutdown()
    return 0
