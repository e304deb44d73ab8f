"""Help → Check the books runs the whole-company check: a document whose figures were changed
outside the program is found, though its voucher and the ledger still balance."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.service import post_document
from app.ledger.checks import check_books
from app.money import D
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.shell import MainWindow
from tests.factories import raw_execute
from tests.ui.conftest import activate, wait_idle


def _message(qtbot: QtBot, window: MainWindow, runner: Runner) -> str:
    window.run_check_books()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox) is not None, timeout=10_000)
    wait_idle(qtbot, runner)
    box = window.findChild(QMessageBox)
    assert box is not None
    text = box.text()
    box.close()
    box.deleteLater()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox) is None, timeout=5000)
    return text


def test_check_books_from_the_menu_checks_documents_too(
    qtbot: QtBot, company: Company, runner: Runner
) -> None:
    soap = DraftLine("Soap", D("2"), D("40"), D("0"), hsn="3401")
    posted = post_document(
        company,
        DocumentDraft(
            DocKind.BILL_OF_SUPPLY,
            date(2025, 6, 10),
            (soap,),
            tenders=(Tender(PaymentMode.CASH, D("80")),),
        ),
    )
    window = MainWindow(company, runner)
    activate(qtbot, window)
    wait_idle(qtbot, runner)
    try:
        assert _message(qtbot, window, runner).startswith("The books are in order")
        # The document's total no longer matches its lines; the ledger is untouched.
        raw_execute(
            company,
            ("UPDATE documents SET taxable = taxable + 100 WHERE id = ?", (posted.document.id,)),
        )
        assert check_books(company).ok  # the ledger-only check cannot see it
        text = _message(qtbot, window, runner)
        assert "1 problems found" in text and "do not add up" in text
    finally:
        window.close()
        runner.wait()
