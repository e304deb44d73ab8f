"""Settings: users, the authenticator app, auto-lock, backups and the theme, through the page."""

from __future__ import annotations

from pathlib import Path

import pyotp
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.storage.access import Role
from app.storage.backup import read_backup
from app.storage.company import Company, open_company
from app.storage.settings import THEME, THEMES, auto_lock_minutes, choice
from app.storage.users import user_list
from app.ui.ops import Runner
from app.ui.shell import MainWindow
from app.ui.theme import apply_theme
from tests.ui.conftest import PASSWORD, wait_idle


def test_settings_page_changes_the_company(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company, tmp_path: Path
) -> None:
    window.show_screen("Settings")
    page = window.settings
    qtbot.waitUntil(lambda: page.users.rowCount() == 1, timeout=10_000)

    page.new_user.setText("Ravi")
    page.new_role.setCurrentText("cashier")
    page.new_password.setText("till-one-pass")
    page.add_user()
    qtbot.waitUntil(lambda: page.users.rowCount() == 2, timeout=10_000)
    assert [(u.username, u.role) for u in user_list(company)] == [
        ("owner", Role.OWNER),
        ("ravi", Role.CASHIER),
    ]
    with open_company(company.folder, "ravi", "till-one-pass") as as_ravi:
        assert as_ravi.actor.role is Role.CASHIER

    page.auto_lock.setValue(3)
    page.save_auto_lock()
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        assert auto_lock_minutes(conn) == 3
    assert window.idle._msecs == 3 * 60_000

    page.start_totp()
    assert page.totp_qr.pixmap() is not None and not page.totp_code.isHidden()
    page.totp_code.setText(pyotp.TOTP(page._totp_secret).now())
    page.finish_totp()
    qtbot.waitUntil(lambda: "recovery codes" in page.totp_note.text(), timeout=10_000)
    assert [u.second_factor for u in user_list(company)] == [True, False]

    page.backup_folder.setText(str(tmp_path / "backups"))
    page.back_up_now()
    qtbot.waitUntil(lambda: "Backed up to" in page.message.text(), timeout=20_000)
    made = list((tmp_path / "backups").glob("*.bahibak"))
    assert len(made) == 1
    assert read_backup(made[0], tmp_path / "unpacked").company_id == company.company_id

    page.theme.setCurrentText("dark")
    page.save_look()
    wait_idle(qtbot, runner)
    with company.reader() as conn:
        assert choice(conn, THEME, THEMES) == "dark"
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().window().color().lightness() < 100
    apply_theme(app, "light")
    # The owner now needs the password and a code from the app.
    code = pyotp.TOTP(page._totp_secret).now()
    with open_company(company.folder, "owner", PASSWORD, code) as again:
        assert again.actor.username == "owner"
