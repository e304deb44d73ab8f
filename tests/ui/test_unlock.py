"""Choosing and unlocking a real company from the first window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.ui.ops import Runner
from app.ui.unlock import UnlockDialog, recent_companies
from tests.ui.conftest import PASSWORD, activate, type_keys, wait_idle


def test_wrong_then_right_password(qtbot: QtBot, runner: Runner, company_folder: Path) -> None:
    dialog = UnlockDialog(runner, company_folder)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    login = dialog.login
    assert dialog.pages.currentWidget() is login
    assert "Verma Hardware" in login.title.text()

    login.password.setFocus()
    type_keys(qtbot, "not-the-password")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(login.error.isVisible, timeout=10_000)
    assert "Wrong password" in login.error.text()
    assert dialog.company is None
    assert not login.totp.isVisible()  # no second factor enrolled

    login.password.clear()
    login.password.setFocus()
    type_keys(qtbot, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.company is not None
    try:
        assert dialog.company.actor.username == "owner"
        assert login.password.text() == ""  # the password does not linger in the widget
        assert [r.folder for r in recent_companies()] == [company_folder.resolve()]
    finally:
        dialog.company.close()


def test_lockout_message_names_the_minutes(
    qtbot: QtBot, runner: Runner, company_folder: Path
) -> None:
    dialog = UnlockDialog(runner, company_folder)
    qtbot.addWidget(dialog)
    login = dialog.login
    for _ in range(5):
        login.password.setText("wrong-password")
        login.submit()
        wait_idle(qtbot, runner)
    assert "locked out" in login.error.text()
    assert "15 minutes" in login.error.text()


def test_chooser_lists_recent_companies(qtbot: QtBot, runner: Runner, company_folder: Path) -> None:
    from app.ui.unlock import remember_recent

    remember_recent(company_folder, "Verma Hardware")
    dialog = UnlockDialog(runner)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    assert dialog.chooser.recent.count() == 1
    qtbot.keyClick(dialog.chooser.recent, Qt.Key.Key_Return)
    assert dialog.pages.currentWidget() is dialog.login
    qtbot.keyClick(dialog.login.password, Qt.Key.Key_Escape)
    assert dialog.pages.currentWidget() is dialog.chooser


def test_demo_is_built_in_the_background_then_unlocks(qtbot: QtBot, runner: Runner) -> None:
    dialog = UnlockDialog(runner)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert dialog.chooser.busy.isVisible()  # the UI answers while the demo is built
    # The demo posts about 1,800 bills, receipts and payments through the billing services.
    qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog.login, timeout=90_000)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.login.password, Qt.Key.Key_Return)  # the demo password is filled
    wait_idle(qtbot, runner)
    assert dialog.company is not None
    try:
        assert "demo" in dialog.company.profile.name
    finally:
        dialog.company.close()
