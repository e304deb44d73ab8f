"""Auto-lock after idle time: the books hide, the keys stop, and the password brings them back
with the half-typed voucher still there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.errors import AccessDenied, ValidationError
from app.ledger.model import VoucherType
from app.storage.access import Role
from app.storage.company import Company
from app.storage.settings import auto_lock_minutes, set_auto_lock_minutes
from app.storage.users import add_user
from app.ui.ops import Runner
from app.ui.shell import MainWindow
from tests.ui.conftest import PASSWORD, type_keys, wait_idle


def test_locks_after_idle_and_unlocks_with_the_password(
    qtbot: QtBot, window: MainWindow, runner: Runner
) -> None:
    entry = window.ledger.vouchers
    window.open_voucher_entry(VoucherType.JOURNAL)
    entry.narration.setText("Half-typed narration")
    window.set_auto_lock(0)
    window.idle.set_interval(300)  # as if Settings said a few minutes, in milliseconds
    qtbot.waitUntil(lambda: window.locked, timeout=5000)
    assert not window.workspace.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_F5)  # shortcuts do nothing while locked
    assert entry.voucher_type is VoucherType.JOURNAL
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.command_palette is None

    screen = window.lock_screen
    screen.password.setFocus()
    type_keys(qtbot, "wrong-password")
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong password" in screen.error.text(), timeout=10_000)
    assert window.locked

    screen.password.setFocus()
    type_keys(qtbot, PASSWORD)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    wait_idle(qtbot, runner)
    assert window.workspace.isVisible()
    assert entry.narration.text() == "Half-typed narration"  # nothing typed was lost
    entry.clear()


def test_activity_keeps_the_window_open(qtbot: QtBot, window: MainWindow) -> None:
    window.idle.set_interval(400)
    for _ in range(6):
        qtbot.wait(150)
        qtbot.keyClick(window.rail, Qt.Key.Key_Down)  # someone is working
    assert not window.locked
    qtbot.waitUntil(lambda: window.locked, timeout=5000)  # then they walk away
    window.unlock()


def test_auto_lock_setting_is_checked_and_owner_only(company: Company) -> None:
    with company.reader() as conn:
        assert auto_lock_minutes(conn) == 10
    with company.unit_of_work() as uow:
        set_auto_lock_minutes(uow, 3)
        uow.commit()
    with company.reader() as conn:
        assert auto_lock_minutes(conn) == 3
    with company.unit_of_work() as uow, pytest.raises(ValidationError, match="240"):
        set_auto_lock_minutes(uow, 100_000)

    add_user(company, "ravi", Role.CASHIER, "cashier-pass-123")
    cashier = company.as_user("ravi")
    with cashier.unit_of_work() as uow, pytest.raises(AccessDenied):
        set_auto_lock_minutes(uow, 1)
    with company.reader() as conn:
        assert auto_lock_minutes(conn) == 3
