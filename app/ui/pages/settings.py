"""Settings: company details, users and roles, security (password, authenticator, auto-lock),
automatic backups, printing and appearance. Every change goes through a service, which
checks the user's role and writes the audit log."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.gst.states import state_by_code
from app.ledger.model import financial_year
from app.storage import settings, totp
from app.storage.access import Role
from app.storage.backup import BackupInfo, create_backup
from app.storage.company import Company
from app.storage.users import (
    UserRow,
    add_user,
    change_password,
    deactivate_user,
    enable_totp,
    user_list,
)
from app.ui.ops import JobContext, Runner
from app.ui.pages.settings_invoices import InvoiceSettingsTab
from app.ui.pages.sync import SyncPage
from app.ui.theme import apply_theme

_MONTHS = "January February March April May June July August September October November December"


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SettingsPage(QTabWidget):
    auto_lock_changed = Signal(int)  # minutes

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.addTab(self._company_tab(), "&Company")
        self.users_tab = self._users_tab()
        self.addTab(self.users_tab, "&Users")
        self.addTab(self._security_tab(), "&Security")
        self.addTab(self._backup_tab(), "&Backups")
        self.addTab(self._appearance_tab(), "&Printing and look")
        self.message = QLabel()
        self.invoices = InvoiceSettingsTab(company, runner, self._say, self)
        self.addTab(self.invoices, "&Invoices")
        self.sync = SyncPage(company, runner, self)
        self.addTab(self.sync, "S&ync")
        self.setCornerWidget(self.message, Qt.Corner.TopRightCorner)
        self._load()

    # -- plumbing ------------------------------------------------------------------------------
    def _write(self, name: str, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.runner.write(name, lambda _ctx: fn(), on_done=done)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _load(self) -> None:
        company = self.company

        def read(_ctx: JobContext) -> tuple[Any, ...]:
            with company.reader() as conn:
                return (
                    settings.auto_lock_minutes(conn),
                    settings.backup_schedule(conn),
                    settings.choice(conn, settings.THEME, settings.THEMES),
                    settings.choice(conn, settings.PAPER, settings.PAPERS),
                    user_list(company),
                )

        self.runner.read("Settings", read, on_done=self._loaded)

    def _loaded(self, values: tuple[Any, ...]) -> None:
        minutes, schedule, theme, paper, users = values
        self.auto_lock.setValue(minutes)
        self.backup_every.setValue(schedule.every_hours)
        self.backup_keep.setValue(schedule.keep)
        self.backup_folder.setText(schedule.folder)
        self.theme.setCurrentText(theme)
        self.paper.setCurrentText(paper)
        self._show_users(users)

    # -- company -------------------------------------------------------------------------------
    def _company_tab(self) -> QWidget:
        p = self.company.profile
        tab = QWidget()
        form = QFormLayout(tab)
        state = state_by_code(p.state_code)
        year = financial_year(p.books_begin, p.fy_start_month)
        for label, value in (
            ("Name", p.name),
            ("GSTIN", p.gstin or "Not registered (bills of supply)"),
            ("State", f"{state.code} {state.name}"),
            ("Address", p.address or "—"),
            ("Financial year starts", _MONTHS.split()[p.fy_start_month - 1]),
            ("Books begin", f"{p.books_begin:%d-%m-%Y} (FY {year.label})"),
            ("Folder", str(self.company.folder)),
        ):
            shown = QLabel(html.escape(value))
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, shown)
        return tab

    # -- users -----------------------------------------------------------------------------------
    def _users_tab(self) -> QWidget:
        tab = QWidget()
        self.users = QTableWidget(0, 5)
        self.users.setObjectName("users")
        self.users.setHorizontalHeaderLabels(["User", "Name", "Role", "Active", "Second factor"])
        self.users.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.users.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.users.horizontalHeader().setStretchLastSection(True)
        self.new_user = QLineEdit()
        self.new_user.setObjectName("newUser")
        self.new_user.setPlaceholderText("user name")
        self.new_role = QComboBox()
        self.new_role.setObjectName("newRole")
        for role in Role:
            if role is not Role.OWNER:
                self.new_role.addItem(role.value)
        self.new_password = _password_field("newUserPassword")
        self.new_password.setPlaceholderText("first password")
        add = QPushButton("&Add user")
        add.clicked.connect(self.add_user)
        deactivate = QPushButton("&Deactivate selected")
        deactivate.clicked.connect(self.deactivate_selected)
        row = QHBoxLayout()
        for widget in (self.new_user, self.new_role, self.new_password, add, deactivate):
            row.addWidget(widget)
        layout = QVBoxLayout(tab)
        layout.addWidget(
            QLabel(
                "Owner: everything. Accountant: all but users. Cashier: billing only. "
                "Auditor: reads the books, changes nothing."
            )
        )
        layout.addWidget(self.users, 1)
        layout.addLayout(row)
        return tab

    def _show_users(self, rows: tuple[UserRow, ...]) -> None:
        self.users.setRowCount(len(rows))
        for index, user in enumerate(rows):
            values = (
                user.username,
                user.full_name,
                user.role.value,
                "yes" if user.active else "no",
                "authenticator app" if user.second_factor else "",
            )
            for column, value in enumerate(values):
                self.users.setItem(index, column, QTableWidgetItem(value))

    def _refresh_users(self) -> None:
        company = self.company
        self.runner.read("Users", lambda _ctx: user_list(company), on_done=self._show_users)

    def add_user(self) -> None:
        company = self.company
        name, role = self.new_user.text().strip(), Role(self.new_role.currentText())
        password = self.new_password.text()
        self.new_password.clear()

        def done(_result: object) -> None:
            self.new_user.clear()
            self._say(f"Added {name} as {role.value}.")
            self._refresh_users()

        self._write("Add user", lambda: add_user(company, name, role, password), done)

    def deactivate_selected(self) -> None:
        row = self.users.currentRow()
        if row < 0:
            self._say("Select a user first.")
            return
        item = self.users.item(row, 0)
        name = item.text() if item is not None else ""
        answer = QMessageBox.question(
            self,
            "Deactivate user",
            f"Deactivate {name}? They will no longer be able to log in; their past work stays "
            "in the books and the audit log.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        company = self.company

        def done(_result: object) -> None:
            self._say(f"{name} can no longer log in.")
            self._refresh_users()

        self._write("Deactivate user", lambda: deactivate_user(company, name), done)

    # -- security --------------------------------------------------------------------------------
    def _security_tab(self) -> QWidget:
        tab = QWidget()
        self.password = _password_field("newPassword")
        self.password_again = _password_field("newPasswordAgain")
        change = QPushButton("C&hange my password")
        change.clicked.connect(self.change_my_password)
        self.auto_lock = QSpinBox()
        self.auto_lock.setObjectName("autoLock")
        self.auto_lock.setRange(0, settings.MAX_AUTO_LOCK_MINUTES)
        self.auto_lock.setSuffix(" minutes")
        self.auto_lock.setSpecialValueText("never")
        save_lock = QPushButton("Sa&ve")
        save_lock.clicked.connect(self.save_auto_lock)
        lock_row = QHBoxLayout()
        lock_row.addWidget(self.auto_lock)
        lock_row.addWidget(save_lock)
        lock_row.addStretch(1)
        self.totp_button = QPushButton("Set up an &authenticator app…")
        self.totp_button.clicked.connect(self.start_totp)
        self.totp_qr = QLabel()
        self.totp_qr.setObjectName("totpQr")
        self.totp_code = QLineEdit()
        self.totp_code.setObjectName("totpCode")
        self.totp_code.setPlaceholderText("6-digit code from the app")
        self.totp_code.setMaxLength(6)
        self.totp_code.returnPressed.connect(self.finish_totp)
        self.totp_note = QLabel()
        self.totp_note.setWordWrap(True)
        self.totp_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._totp_secret = ""
        form = QFormLayout(tab)
        form.addRow("New password", self.password)
        form.addRow("Again", self.password_again)
        form.addRow("", change)
        form.addRow("Lock after idle", lock_row)
        form.addRow("Second factor", self.totp_button)
        form.addRow("", self.totp_qr)
        form.addRow("", self.totp_code)
        form.addRow("", self.totp_note)
        self.totp_code.hide()
        return tab

    def change_my_password(self) -> None:
        new, again = self.password.text(), self.password_again.text()
        self.password.clear()
        self.password_again.clear()
        if new != again:
            self._say("The two entries differ.")
            return
        company = self.company
        user = company.actor.username
        self._write(
            "Change password",
            lambda: change_password(company, user, new),
            lambda _r: self._say("Password changed. Use the new one from the next login."),
        )

    def save_auto_lock(self) -> None:
        company, minutes = self.company, self.auto_lock.value()

        def write() -> None:
            with company.unit_of_work() as uow:
                settings.set_auto_lock_minutes(uow, minutes)
                uow.commit()

        def done(_result: object) -> None:
            self.auto_lock_changed.emit(minutes)
            self._say("Saved." if minutes else "The window will not lock by itself.")

        self._write("Auto-lock", write, done)

    def start_totp(self) -> None:
        company = self.company
        self._totp_secret = totp.new_secret()
        uri = totp.provisioning_uri(self._totp_secret, company.actor.username, company.profile.name)
        image = QImage.fromData(QByteArray(totp.qr_png(uri)))
        self.totp_qr.setPixmap(QPixmap.fromImage(image).scaledToWidth(200))
        self.totp_note.setText(
            f"Scan the code with an authenticator app (or type the key {self._totp_secret}), "
            "then type the 6-digit code it shows and press Enter."
        )
        self.totp_code.show()
        self.totp_code.setFocus()

    def finish_totp(self) -> None:
        company, secret, code = self.company, self._totp_secret, self.totp_code.text().strip()
        user = company.actor.username

        def done(codes: tuple[str, ...]) -> None:
            self.totp_qr.clear()
            self.totp_code.clear()
            self.totp_code.hide()
            self.totp_note.setText(
                "The second factor is on. Keep these one-time recovery codes safe; each "
                "opens the company once if the phone is lost:\n" + "  ".join(codes)
            )
            self._refresh_users()

        self._write("Second factor", lambda: enable_totp(company, user, secret, code), done)

    # -- backups ---------------------------------------------------------------------------------
    def _backup_tab(self) -> QWidget:
        tab = QWidget()
        self.backup_every = QSpinBox()
        self.backup_every.setObjectName("backupEvery")
        self.backup_every.setRange(0, 168)
        self.backup_every.setSuffix(" hours")
        self.backup_every.setSpecialValueText("never")
        self.backup_keep = QSpinBox()
        self.backup_keep.setObjectName("backupKeep")
        self.backup_keep.setRange(1, 365)
        self.backup_folder = QLineEdit()
        self.backup_folder.setObjectName("backupFolder")
        self.backup_folder.setPlaceholderText(str(self.company.folder / "backups"))
        save = QPushButton("Sa&ve schedule")
        save.clicked.connect(self.save_backup_schedule)
        now = QPushButton("Back up &now")
        now.clicked.connect(self.back_up_now)
        form = QFormLayout(tab)
        form.addRow(
            QLabel(
                "Backups are encrypted like the company itself. Keep a copy on another disk "
                "or a pen drive: a backup on the same disk does not survive the disk."
            )
        )
        form.addRow("Automatic backup every", self.backup_every)
        form.addRow("Keep the newest", self.backup_keep)
        form.addRow("In folder", self.backup_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(now)
        buttons.addStretch(1)
        form.addRow("", buttons)
        return tab

    def save_backup_schedule(self) -> None:
        company = self.company
        schedule = settings.BackupSchedule(
            self.backup_every.value(), self.backup_keep.value(), self.backup_folder.text()
        )

        def write() -> None:
            with company.unit_of_work() as uow:
                settings.set_backup_schedule(uow, schedule)
                uow.commit()

        self._write("Backup schedule", write, lambda _r: self._say("Backup schedule saved."))

    def back_up_now(self) -> None:
        company = self.company
        folder = Path(self.backup_folder.text().strip() or company.folder / "backups")

        def write() -> BackupInfo:
            folder.mkdir(parents=True, exist_ok=True)
            return create_backup(company, folder)

        self._write("Back up", write, lambda info: self._say(f"Backed up to {info.path}"))

    # -- printing and look -------------------------------------------------------------------------
    def _appearance_tab(self) -> QWidget:
        tab = QWidget()
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        self.theme.addItems(list(settings.THEMES))
        self.paper = QComboBox()
        self.paper.setObjectName("paper")
        self.paper.addItems(list(settings.PAPERS))
        self.language = QComboBox()
        self.language.addItem("English")
        self.language.setToolTip("Hindi screens are being translated.")
        save = QPushButton("Sa&ve")
        save.clicked.connect(self.save_look)
        form = QFormLayout(tab)
        form.addRow("Theme", self.theme)
        form.addRow("Invoice paper", self.paper)
        form.addRow(
            "Printer", QLabel("Chosen when you print: the system's print dialog lists them.")
        )
        form.addRow("Language", self.language)
        form.addRow("", save)
        return tab

    def save_look(self) -> None:
        company, theme, paper = self.company, self.theme.currentText(), self.paper.currentText()

        def write() -> None:
            with company.unit_of_work() as uow:
                settings.set_choice(uow, settings.THEME, settings.THEMES, theme)
                settings.set_choice(uow, settings.PAPER, settings.PAPERS, paper)
                uow.commit()

        def done(_result: object) -> None:
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, theme)
            self._say("Saved.")

        self._write("Appearance", write, done)
