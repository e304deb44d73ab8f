"""The Parties page: adding and changing parties, GSTIN checked as typed, money against bills."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.billing import queries
from app.billing.model import DocKind, DocumentDraft, DraftLine, PartyDraft
from app.billing.parties import add_party
from app.billing.service import post_document
from app.billing.tables import allocations, parties
from app.money import D
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.parties import PartiesPage
from app.ui.pages.party_form import PartyForm
from app.ui.pages.party_money import SettlementDialog
from app.ui.shell import MainWindow
from tests.ui.conftest import activate, type_keys, wait_idle

GOOD_GSTIN = "29AABCR1718E1ZL"  # Karnataka, a valid sample from gst.md


@pytest.fixture
def page(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[PartiesPage]:
    window = MainWindow(company, runner)
    activate(qtbot, window)
    window.show_screen("Parties")
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.billing.parties.search)
    yield window.billing.parties
    window.close()
    runner.wait()


def party_count(company: Company) -> int:
    with company.reader() as conn:
        return int(conn.execute(select(func.count()).select_from(parties)).scalar_one())


def open_form(qtbot: QtBot, page: PartiesPage) -> PartyForm:
    qtbot.keyClick(page.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = page.findChild(PartyForm)
    assert form is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.name)
    return form


def test_a_malformed_gstin_shows_the_fault_and_saves_nothing(
    qtbot: QtBot, page: PartiesPage, company: Company, runner: Runner
) -> None:
    form = open_form(qtbot, page)
    type_keys(qtbot, "Rao Stores")
    form.gstin.setFocus()
    type_keys(qtbot, "29AABCR1718E1Z")
    assert "Not a valid GSTIN" in form.gstin_fault.text()
    type_keys(qtbot, "M")  # the wrong check character
    assert form.gstin_fault.text().startswith("Not a valid GSTIN")
    assert "L" in form.gstin_fault.text()  # it names the character it should be
    form.save()
    wait_idle(qtbot, runner)
    assert form.isVisible() and "GSTIN" in form.problems.text()
    assert party_count(company) == 0

    qtbot.keyClick(form.gstin, Qt.Key.Key_Backspace)
    type_keys(qtbot, "L")
    assert form.gstin_fault.text() == "Valid GSTIN, state 29"
    assert form.state.currentData() == "29"  # the state follows the GSTIN
    form.save()
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        saved = queries.party_by_name(conn, "Rao Stores")
    assert (saved.gstin, saved.state_code) == (GOOD_GSTIN, "29")
    assert page.model.rows[page.table.currentIndex().row()].id == saved.id


def test_outstanding_ageing_and_money_received_against_a_bill(
    qtbot: QtBot, page: PartiesPage, company: Company, runner: Runner
) -> None:
    party = add_party(company, PartyDraft("Iyer Traders", gstin=GOOD_GSTIN, credit_days=15))
    line = DraftLine("Cement bag", D("10"), D("350"), D("28"), hsn="2523")
    first = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 5, 2), (line,), party_id=party)
    ).document
    second = post_document(
        company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 2), (line,), party_id=party)
    ).document
    page.refresh(select=party)
    qtbot.waitUntil(lambda: page.current is not None and page.open_table.rowCount() == 2)
    assert "4,480.00" in page.heading.text() + page.open_table.item(0, 4).text()
    assert "Over 90 days: 8,960.00" in page.ageing.text()  # both long past due by now

    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = page.findChild(SettlementDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.amount)
    type_keys(qtbot, "5000")
    assert [dialog.table.item(r, 4).text() for r in range(2)] == ["4480.00", "520.00"]
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: page.open_table.rowCount() == 1)
    with company.reader() as conn:
        open_docs = queries.open_documents(conn, party)
        allocated = dict(
            conn.execute(select(allocations.c.document_id, allocations.c.amount)).all()
        )
    assert [(d.id, d.outstanding) for d in open_docs] == [(second.id, D("3960"))]
    assert allocated == {first.id: D("4480"), second.id: D("520")}
