"""The GST page on a real company: summaries equal to the posted documents, drill-down, the
GSTR-1 file checked against the portal's schema, problems that block the plain export, and
marking a return filed locking its period."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DraftLine,
    Export,
    PartyDraft,
    PartyKind,
    PaymentMode,
    PostedDocument,
    Tender,
)
from app.billing.parties import add_party
from app.billing.service import post_document
from app.errors import PeriodLocked
from app.gst import check_character
from app.money import D
from app.reports.gst_returns import period_books
from app.reports.gstr1 import validate_gstr1, write_gstr1
from app.storage.access import Role
from app.storage.company import Company, open_with_key
from app.storage.settings import PIN_SETTING, TOWN_SETTING, read_setting
from app.storage.users import add_user
from app.ui.ops import Runner
from app.ui.pages.gst import NO_GSTIN, GstPage
from app.ui.pages.gst_dialogs import MarkFiledDialog, SellerDialog
from app.ui.pages.gst_jobs import period_choices
from app.ui.shell import MainWindow
from tests.conftest import CompanyFactory
from tests.ui.conftest import activate, wait_idle

JUNE = date(2025, 6, 10)
OUR_GSTIN = "27AAPFU0939F1ZV"  # Maharashtra
KARNATAKA_GSTIN = "29AABCR1718E1ZL"


def _gstin(state: str, pan: str) -> str:
    first14 = f"{state}{pan}1Z"
    return first14 + check_character(first14)


SUPPLIER_GSTIN = _gstin("27", "AABCG1234K")


class Books:
    """A Maharashtra shop's June 2025: a B2B sale to Karnataka, a cash sale, a purchase."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.customer = add_party(
            company,
            PartyDraft(
                "Rao Stores",
                gstin=KARNATAKA_GSTIN,
                billing=Address("12 MG Road, Bengaluru", pin="560001"),
            ),
        )
        self.supplier = add_party(
            company,
            PartyDraft(
                "Gupta Wholesale",
                PartyKind.SUPPLIER,
                gstin=SUPPLIER_GSTIN,
                billing=Address("4 Market Yard, Pune", pin="411037"),
            ),
        )
        self.b2b = self.sale(
            DraftLine("Basmati rice 5 kg", D("2"), D("450"), D("5"), hsn="1006"),
            DraftLine("Toor dal 1 kg", D("3"), D("133.35"), D("5"), hsn="0713"),
            party_id=self.customer,
        )
        self.cash = self.sale(
            DraftLine("Soap", D("3"), D("40"), D("18"), hsn="3401", price_includes_tax=True),
            tenders=(Tender(PaymentMode.CASH, D("120")),),
        )
        self.purchase = post_document(
            company,
            DocumentDraft(
                DocKind.PURCHASE_BILL,
                JUNE,
                (DraftLine("Laptop bag", D("10"), D("100"), D("18"), hsn="4202"),),
                party_id=self.supplier,
                supplier_number="GW-101",
            ),
        ).document

    def sale(self, *lines: DraftLine, **kw: object) -> PostedDocument:
        draft = DocumentDraft(DocKind.SALES_INVOICE, JUNE, lines, **kw)  # type: ignore[arg-type]
        return post_document(self.company, draft).document


@pytest.fixture
def gst_company(make_company: CompanyFactory) -> Company:
    return make_company(gstin=OUR_GSTIN, address="14 Station Road, Shivajinagar, Pune")


@pytest.fixture
def books(gst_company: Company) -> Books:
    return Books(gst_company)


@pytest.fixture
def page(qtbot: QtBot, gst_company: Company, runner: Runner) -> Iterator[GstPage]:
    made = GstPage(gst_company, runner)
    runner.error_parent = made
    made.resize(1100, 640)
    activate(qtbot, made)
    yield made
    runner.wait()
    made.close()


def show(qtbot: QtBot, page: GstPage, runner: Runner, text: str) -> None:
    page.show_period(text)
    wait_idle(qtbot, runner)
    assert page.view is not None and page.view.period.start.strftime("%Y-%m") == text[:7]


def row_of(page_tab: object, label_start: str) -> int:
    model = page_tab.model  # type: ignore[attr-defined]
    for row in range(model.rowCount()):
        first = model.cells(row)[0]
        if isinstance(first, str) and first.startswith(label_start):
            return int(row)
    raise AssertionError(f"no row {label_start!r}")


def amounts(cells: tuple[object, ...]) -> tuple[object, ...]:
    """Taxable, IGST, CGST, SGST of a summary row (both summaries put them in columns 2-5)."""
    return tuple(cells[2:6])


def test_summaries_equal_the_documents_and_drill_down_to_lines(
    qtbot: QtBot, page: GstPage, runner: Runner, books: Books
) -> None:
    show(qtbot, page, runner, "2025-06")
    b2b, cash, purchase = books.b2b, books.cash, books.purchase
    # Hand-checked: 900.00 + 400.05 at 5% IGST; 120 inclusive of 18% is 101.69 + 9.15 + 9.15.
    assert (b2b.taxable, b2b.igst, cash.taxable, cash.cgst) == (
        D("1300.05"),
        D("65.00"),
        D("101.69"),
        D("9.15"),
    )
    gstr1 = page.gstr1
    b2b_row = row_of(gstr1, "4A")
    assert amounts(gstr1.model.cells(b2b_row)) == (b2b.taxable, b2b.igst, D("0"), D("0"))
    b2cs_row = row_of(gstr1, "7")
    assert amounts(gstr1.model.cells(b2cs_row)) == (cash.taxable, D("0"), cash.cgst, cash.sgst)
    assert gstr1.model.rowCount() == 2  # the purchase is not in GSTR-1
    assert page.gstr1.model.index(b2b_row, 2).data() == "1,300.05"

    outward = page.gstr3b.model.cells(row_of(page.gstr3b, "3.1(a)"))
    assert amounts(outward) == (
        b2b.taxable + cash.taxable,
        b2b.igst,
        cash.cgst,
        cash.sgst,
    )
    itc = page.gstr3b.model.cells(row_of(page.gstr3b, "4A(5)"))
    assert (
        (itc[3], itc[4], itc[5])
        == (D("0"), purchase.cgst, purchase.sgst)
        == (
            D("0"),
            D("90.00"),
            D("90.00"),
        )
    )
    assert page.view is not None and page.view.problems == ()
    assert "GSTR-1: not filed" in page.filed_line.text()

    # Enter on the B2B row lists its documents; Enter on one shows its lines; Esc goes back.
    view = gstr1.view
    view.setFocus()
    view.setCurrentIndex(gstr1.model.index(b2b_row, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.documents
    listed = page.documents.model
    assert listed.rowCount() == 1
    assert listed.cells(0)[:4] == (b2b.number, JUNE, "Tax Invoice", "Rao Stores")
    assert (listed.cells(0)[5], listed.cells(0)[6]) == (b2b.taxable, b2b.total_tax)
    qtbot.keyClick(page.documents.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.document, timeout=5000)
    assert page.document.document == b2b
    assert page.document.model.rowCount() == 2
    assert "Place of supply: Karnataka (29)" in page.document.heading.text()
    qtbot.keyClick(page.document.view, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.documents
    qtbot.keyClick(page.documents.view, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.tabs


def test_gstr1_json_matches_the_schema_and_the_summary_prints(
    qtbot: QtBot, page: GstPage, runner: Runner, books: Books, tmp_path: Path
) -> None:
    show(qtbot, page, runner, "2025-06")
    target = tmp_path / "gstr1.json"
    page.files.gstr1(target)
    wait_idle(qtbot, runner)
    data = json.loads(target.read_text(encoding="utf-8"), parse_float=Decimal)
    assert validate_gstr1(data) == []
    assert (data["gstin"], data["fp"]) == (OUR_GSTIN, "062025")
    (party,) = data["b2b"]
    assert party["ctin"] == KARNATAKA_GSTIN
    (invoice,) = party["inv"]
    assert (invoice["inum"], invoice["val"]) == (books.b2b.number, books.b2b.grand_total)
    assert "Wrote GSTR-1 for June 2025" in page.status.text()
    # written without reading every document whole, byte for byte what they would give
    assert page.view is not None
    with books.company.reader() as conn:
        whole = period_books(conn, books.company.profile, page.view.period)
    write_gstr1(whole.gstr1(), tmp_path / "expected.json")
    assert target.read_bytes() == (tmp_path / "expected.json").read_bytes()

    three_b = tmp_path / "gstr3b.json"
    page.files.gstr3b(three_b)
    wait_idle(qtbot, runner)
    sup = json.loads(three_b.read_text(encoding="utf-8"), parse_float=Decimal)["sup_details"]
    assert sup["osup_det"]["txval"] == books.b2b.taxable + books.cash.taxable

    pdf = tmp_path / "summary.pdf"
    page.save_summary_pdf(pdf)
    with pdfplumber.open(pdf) as document:
        text = "\n".join(p.extract_text() or "" for p in document.pages)
    assert "Sharma Test Traders" in text and f"GSTR-1 {OUR_GSTIN} June 2025" in text
    assert "4A/4B B2B invoices 1 1,300.05 65.00" in text

    sheet = tmp_path / "summary.csv"
    page.tabs.setCurrentWidget(page.gstr3b)
    page.export_summary(sheet)
    wait_idle(qtbot, runner)
    assert "3.1(a)" in sheet.read_text(encoding="utf-8")


def _answer(qtbot: QtBot, name: str) -> QPushButton:
    def found() -> QPushButton | None:
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                button = widget.findChild(QPushButton, name)
                if button is not None:
                    return button
        return None

    qtbot.waitUntil(lambda: found() is not None, timeout=5000)
    button = found()
    assert button is not None
    return button


def test_a_line_without_hsn_is_a_problem_that_blocks_the_plain_export(
    qtbot: QtBot, page: GstPage, runner: Runner, books: Books, tmp_path: Path
) -> None:
    bare = books.sale(
        DraftLine("Loose nails", D("1"), D("200"), D("18")),
        tenders=(Tender(PaymentMode.CASH, D("236")),),
    )
    show(qtbot, page, runner, "2025-06")
    assert page.view is not None
    problems = page.problems.model
    numbers = [problems.cells(r)[0] for r in range(problems.rowCount())]
    assert bare.number in numbers
    row = numbers.index(bare.number)
    assert "no HSN/SAC code" in str(problems.cells(row)[1])
    assert page.tabs.tabText(2).startswith("P&roblems (")

    # Activating the problem opens its document.
    page.tabs.setCurrentWidget(page.problems)
    page.problems.view.setCurrentIndex(problems.index(row, 0))
    qtbot.keyClick(page.problems.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.document, timeout=5000)
    assert page.document.document is not None and page.document.document.id == bare.id
    page.go_back()

    out = tmp_path / "out"
    out.mkdir()
    target = out / "gstr1.json"
    page.files.gstr1(target)
    assert page.files.refusal is not None and page.files.refusal.isVisible()
    assert bare.number in page.files.refusal.informativeText()
    wait_idle(qtbot, runner)
    assert not target.exists()  # refused: nothing written
    # Anyway: a return without an HSN code cannot match the portal's schema, so it is still
    # refused, with the reason, and no file (not even half of one) is left behind.
    _answer(qtbot, "exportAnyway").click()
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: bool(_boxes(page, "portal's shape")), timeout=5000)
    assert "hsn_sc" in _boxes(page, "portal's shape")[0]
    assert list(out.iterdir()) == []


def _boxes(page: GstPage, text: str) -> list[str]:
    return [
        box.text()
        for box in page.findChildren(QMessageBox)
        if box.isVisible() and text in box.text()
    ]


def test_export_anyway_writes_a_return_whose_problems_the_portal_accepts(
    qtbot: QtBot, page: GstPage, runner: Runner, books: Books, tmp_path: Path
) -> None:
    abroad = add_party(
        books.company,
        PartyDraft("Dubai Traders", state_code="96", billing=Address("Deira, Dubai", "96")),
    )
    export = books.sale(
        DraftLine("Basmati rice 5 kg", D("10"), D("450"), D("5"), hsn="1006"),
        party_id=abroad,
        export=Export(with_payment=True),  # no port code or shipping bill yet
    )
    show(qtbot, page, runner, "2025-06")
    assert page.view is not None
    assert {p.number for p in page.view.problems} == {export.number}
    target = tmp_path / "gstr1.json"
    page.files.gstr1(target)
    assert page.files.refusal is not None and "no port code" in page.files.refusal.informativeText()
    _answer(qtbot, "exportAnyway").click()
    qtbot.waitUntil(target.exists, timeout=10_000)
    wait_idle(qtbot, runner)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert validate_gstr1(data) == []
    assert [inv["inum"] for e in data["exp"] for inv in e["inv"]] == [export.number]
    assert "2 problem(s) left unfixed" in page.status.text()


def test_e_invoice_asks_once_for_pin_and_town(
    qtbot: QtBot, page: GstPage, runner: Runner, books: Books, gst_company: Company, tmp_path: Path
) -> None:
    show(qtbot, page, runner, "2025-06")
    target = tmp_path / "einvoices.json"
    page.files.einvoices(target)
    dialog = page.findChild(SellerDialog)
    assert dialog is not None
    dialog.pin.setText("411005")
    dialog.town.setText("Pune")
    dialog._accept()
    qtbot.waitUntil(target.exists, timeout=10_000)
    wait_idle(qtbot, runner)
    requests = json.loads(target.read_text(encoding="utf-8"))
    assert [r["DocDtls"]["No"] for r in requests] == [books.b2b.number]  # B2B only
    assert requests[0]["SellerDtls"]["Pin"] == 411005
    with gst_company.reader() as conn:
        assert (read_setting(conn, PIN_SETTING), read_setting(conn, TOWN_SETTING)) == (
            "411005",
            "Pune",
        )
    assert page.files.seller == ("411005", "Pune")
    again = tmp_path / "again.json"
    page.files.einvoices(again)  # not asked a second time
    qtbot.waitUntil(again.exists, timeout=10_000)
    wait_idle(qtbot, runner)


def test_marking_gstr1_filed_locks_the_period_and_shows_filed(
    qtbot: QtBot, gst_company: Company, runner: Runner, books: Books
) -> None:
    window = MainWindow(gst_company, runner)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen == "GST"
    page = window.gst
    show(qtbot, page, runner, "2025-06")

    page.ask_mark_filed()
    dialog = page.findChild(MarkFiledDialog)
    assert (
        dialog is not None and "locks June 2025" in dialog.findChild(object, "filedWarning").text()
    )  # type: ignore[union-attr]
    assert dialog.return_type.currentText() == "GSTR-1"
    dialog.filed_on.setText("11-07-2025")
    dialog.arn.setText("AA270725012345X")
    dialog.ok.click()
    qtbot.waitUntil(lambda: "GSTR-1: filed on 11-07-2025" in page.filed_line.text(), timeout=10_000)
    assert "ARN AA270725012345X" in page.filed_line.text()
    assert "GSTR-3B: not filed" in page.filed_line.text()
    wait_idle(qtbot, runner)

    with pytest.raises(PeriodLocked, match="credit or debit note"):
        books.sale(
            DraftLine("Soap", D("1"), D("40"), D("18"), hsn="3401"),
            tenders=(Tender(PaymentMode.CASH, D("47")),),
        )
    # Only GSTR-3B is left to mark.
    page.ask_mark_filed()
    second = [d for d in page.findChildren(MarkFiledDialog) if d.isVisible()]
    assert [d.return_type.currentText() for d in second] == ["GSTR-3B"]
    second[0].reject()
    window.close()
    runner.wait()


def test_a_cashier_cannot_mark_a_return_filed(
    qtbot: QtBot, gst_company: Company, runner: Runner
) -> None:
    add_user(gst_company, "ravi", Role.CASHIER, "cashier-pass-1")
    cashier = open_with_key(gst_company.folder, gst_company.database_key, "ravi")
    try:
        made = GstPage(cashier, runner)
        assert not made.buttons["file"].isEnabled()
        made.deleteLater()
    finally:
        cashier.close()


def test_period_choices_put_the_last_ended_period_second() -> None:
    months = period_choices(date(2025, 4, 1), date(2025, 8, 14), quarterly=False)
    assert months[:2] == [("2025-08", "August 2025"), ("2025-07", "July 2025")]
    assert months[-1][0] == "2025-04"
    quarters = period_choices(date(2025, 4, 1), date(2026, 1, 5), quarterly=True)
    assert [q[0] for q in quarters] == ["2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1"]
    assert quarters[1][1] == "Q3 2025-26 (Oct 2025 to Dec 2025)"
    # Books begun this month still offer last month, the one usually filed.
    fresh = period_choices(date(2026, 1, 3), date(2026, 1, 5), quarterly=False)
    assert [m[0] for m in fresh] == ["2026-01", "2025-12"]


def test_a_company_without_gstin_is_told_why_there_are_no_returns(
    qtbot: QtBot, company: Company, runner: Runner
) -> None:
    made = GstPage(company, runner)
    activate(qtbot, made)
    assert made.status.text() == NO_GSTIN
    assert not runner.busy  # nothing read for a company that files no returns
    made.close()
