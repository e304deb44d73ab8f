"""The first-run wizard creates a real encrypted company that opens again with its password
and with the recovery key it showed once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pdfplumber
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from app.storage.company import open_company, open_with_recovery_key
from app.ui.ops import Runner
from app.ui.unlock import UnlockDialog, recent_companies
from app.ui.wizard import FirstRunWizard, password_strength
from tests.ui.conftest import activate, type_keys, wait_idle

GOOD_PASSWORD = "Kirana-Counter-2025!"


def test_wizard_creates_a_company(qtbot: QtBot, runner: Runner, tmp_path: Path) -> None:
    dialog = UnlockDialog(runner)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    assert dialog.chooser.welcome.isVisible()  # nothing opened before: say where to start
    dialog.open_wizard()
    wizard = dialog.wizard
    assert isinstance(wizard, FirstRunWizard)
    activate(qtbot, wizard)
    page = wizard.company_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)

    page.name.setFocus()
    type_keys(qtbot, "Verma Kirana")
    assert not next_button.isEnabled() or page.isComplete()
    page.folder.setText(str(tmp_path / "verma"))
    page.gstin.setFocus()
    type_keys(qtbot, "29ABCDE1234F1Z")
    assert "14 of 15" in page.gstin_note.text()
    type_keys(qtbot, "1")  # a wrong check character
    assert "check character should be" in page.gstin_note.text()
    assert not page.isComplete()
    page.gstin.clear()
    type_keys(qtbot, "29abcde1234f1zw")  # lower case, as people type it
    assert "Valid GSTIN" in page.gstin_note.text()
    assert page.state_code == "29"  # the GSTIN names the state
    assert page.isComplete()
    wizard.next()

    books = wizard.books_page
    books.begins.setText("01-04-2025")
    wizard.next()

    passwords = wizard.password_page
    passwords.password.setText("short")
    assert passwords.meter.value() == 0 and not passwords.isComplete()
    passwords.password.setText(GOOD_PASSWORD)
    passwords.again.setText(GOOD_PASSWORD[:-1])
    assert not passwords.isComplete() and "differ" in passwords.note.text()
    passwords.again.setText(GOOD_PASSWORD)
    assert passwords.isComplete() and passwords.meter.value() >= 3
    wizard.next()

    recovery = wizard.recovery_page
    qtbot.waitUntil(lambda: wizard.company is not None, timeout=20_000)
    wait_idle(qtbot, runner)
    key = recovery.key.text()
    assert len(key) > 20 and recovery.qr.pixmap() is not None
    assert not recovery.isComplete()  # the key must be saved first
    recovery.save_pdf(tmp_path / "recovery.pdf")
    with pdfplumber.open(tmp_path / "recovery.pdf") as pdf:
        text = pdf.pages[0].extract_text() or ""
        assert pdf.pages[0].images, "the QR code is on the page"
    assert "Verma Kirana" in text
    assert key.replace(" ", "") in text.replace(" ", "").replace("\n", "")
    recovery.saved.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        wizard.accept()
    assert dialog.company is wizard.company
    made = dialog.company
    assert made is not None
    profile = made.profile
    assert (profile.name, profile.gstin, profile.state_code) == (
        "Verma Kirana",
        "29ABCDE1234F1ZW",
        "29",
    )
    assert profile.books_begin == date(2025, 4, 1)
    assert [r.folder for r in recent_companies()] == [(tmp_path / "verma").resolve()]
    made.close()

    with open_company(tmp_path / "verma", "owner", GOOD_PASSWORD) as again:
        assert again.profile.name == "Verma Kirana"
    with open_with_recovery_key(tmp_path / "verma", key) as recovered:
        assert recovered.actor.username == "owner"


def test_password_meter_guides_without_refusing() -> None:
    assert password_strength("abc")[0] == 0
    assert password_strength("password1234")[0] == 1  # a common word stays weak
    assert password_strength("aaaaaaaaaaaaaaaa")[0] == 1
    assert password_strength("Kirana-Counter-2025!") == (4, "Strong")
