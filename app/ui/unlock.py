"""Choose a company and unlock it: recent companies, open a folder, the demo; then log in.

Password stretching (Argon2id, about 0.2 s) and opening the database run on the runner,
never on the UI thread. Wrong passwords, lockouts and second-factor prompts show inline.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import APP_NAME, data_dir
from app.errors import AppError
from app.storage.backup import restore_backup
from app.storage.company import Company, is_company_folder, open_company, open_with_recovery_key
from app.storage.keyslots import KeyFile, LockedOut
from app.storage.totp import SecondFactorRequired
from app.ui.ops import JobContext, Runner, error_text, show_error
from app.ui.wizard import FirstRunWizard

log = logging.getLogger(__name__)

RECENT_FILE = "recent-companies.json"
MAX_RECENT = 10
DEMO_FOLDER = "demo-company"
DEMO_PASSWORD = "demo-password"  # noqa: S105 -- the demo holds no real data; the form says so


@dataclass(frozen=True)
class RecentCompany:
    folder: Path
    name: str


def demo_folder() -> Path:
    return data_dir() / DEMO_FOLDER


def recent_companies() -> list[RecentCompany]:
    """Companies opened before, most recent first; folders that have gone are left out."""
    path = data_dir() / RECENT_FILE
    try:
        raw = json.loads(path.read_text("utf-8"))
        found = [RecentCompany(Path(item["folder"]), str(item["name"])) for item in raw]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [item for item in found if is_company_folder(item.folder)]


def remember_recent(folder: Path, name: str) -> None:
    folder = folder.resolve()
    items = [RecentCompany(folder, name)]
    items += [item for item in recent_companies() if item.folder.resolve() != folder]
    data = [{"folder": str(item.folder), "name": item.name} for item in items[:MAX_RECENT]]
    try:
        (data_dir() / RECENT_FILE).write_text(json.dumps(data, indent=1), "utf-8")
    except OSError:  # a read-only home must not stop the login
        log.warning("could not save the recent companies list")


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b3261e;")
    label.hide()
    return label


class ChooserPage(QWidget):
    """Pick a company: a recent one, any folder, a new one, a backup, or the demo."""

    chosen = Signal(Path, str)  # folder, name
    create_requested = Signal()

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        title = QLabel(f"<h2>{APP_NAME}</h2>Choose a company to open.")
        self.recent = QListWidget()
        self.recent.setObjectName("recent")
        self.recent.itemActivated.connect(self._open_item)
        self.open_button = QPushButton("&Open company folder…")
        self.open_button.clicked.connect(self._open_folder)
        self.demo_button = QPushButton("Open the &demo company")
        self.demo_button.clicked.connect(self.open_demo)
        self.create_button = QPushButton("&New company…")
        self.create_button.clicked.connect(self.create_requested)
        self.restore_button = QPushButton("&Restore a backup…")
        self.restore_button.clicked.connect(self._ask_restore)
        self.welcome = QLabel(
            "New here? Create your company (Ctrl+N), or look around a demo shop's books "
            "first (Ctrl+D)."
        )
        self.welcome.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy: the demo builder does not report steps
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.error = _error_label()
        buttons = QHBoxLayout()
        for button in (self.create_button, self.open_button, self.restore_button, self.demo_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.welcome)
        layout.addWidget(QLabel("Recent companies (Enter opens):"))
        layout.addWidget(self.recent, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        self.refresh()

    def refresh(self) -> None:
        self.recent.clear()
        for item in recent_companies():
            row = QListWidgetItem(f"{item.name}\n    {item.folder}")
            row.setData(Qt.ItemDataRole.UserRole, str(item.folder))
            self.recent.addItem(row)
        self.welcome.setVisible(self.recent.count() == 0)
        if self.recent.count():
            self.recent.setCurrentRow(0)
            self.recent.setFocus()
        else:
            self.create_button.setFocus()

    def _open_item(self, item: QListWidgetItem) -> None:
        self.choose(Path(item.data(Qt.ItemDataRole.UserRole)))

    def _open_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Open company folder")
        if chosen:
            self.choose(Path(chosen))

    def choose(self, folder: Path) -> None:
        self.error.hide()
        try:
            name = KeyFile.load(folder).company_name
        except AppError as exc:
            self._show_error(str(exc))
            return
        if not is_company_folder(folder):
            self._show_error(f"{folder} is not a Bahi company folder. Choose another folder.")
            return
        self.chosen.emit(folder, name)

    def _ask_restore(self) -> None:
        backup, _ = QFileDialog.getOpenFileName(
            self, "Restore a backup", "", "Bahi backups (*.bahibak)"
        )
        if backup:
            self.ask_restore(Path(backup))

    def ask_restore(self, backup: Path) -> None:
        """The rest of the restore flow for a chosen backup file; `bahi gui FILE.bahibak`
        (a double-clicked backup) starts here."""
        target = QFileDialog.getExistingDirectory(
            self, f"Restore {backup.name} into which (empty) folder?"
        )
        if not target:
            return
        password, ok = QInputDialog.getText(
            self,
            "Restore",
            "Owner's password when the backup was made:",
            QLineEdit.EchoMode.Password,
        )
        if ok and password:
            self.restore(backup, Path(target), password)

    def restore(self, backup: Path, target: Path, password: str) -> None:
        """Check and restore in the background, then ask for the password to open it."""
        self.error.hide()

        def work(ctx: JobContext) -> Path:
            ctx.progress(0, 0, "Checking and restoring the backup…")
            restore_backup(backup, target, "owner", password)
            return target

        self._set_busy(True, f"Restoring {backup.name}…")
        self.runner.write(
            "Restore a backup", work, on_done=self._demo_built, on_error=self._demo_failed
        )

    def open_demo(self) -> None:
        folder = demo_folder()
        if is_company_folder(folder):
            self.choose(folder)
            return

        def build(ctx: JobContext) -> Path:
            from app.demo import build_demo

            ctx.progress(0, 0, "Creating the demo company…")
            build_demo(folder, DEMO_PASSWORD)
            return folder

        self._set_busy(True, "Creating the demo company: a year of a small shop's books…")
        self.runner.write(
            "Create the demo company", build, on_done=self._demo_built, on_error=self._demo_failed
        )

    def _demo_built(self, folder: Path) -> None:
        self._set_busy(False)
        self.choose(folder)

    def _demo_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self._show_error(text)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy.setVisible(busy)
        self.status.setText(text)
        for button in (
            self.open_button,
            self.demo_button,
            self.create_button,
            self.restore_button,
        ):
            button.setEnabled(not busy)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class LoginPage(QWidget):
    """User name and password, a TOTP field when needed, or the recovery key."""

    unlocked = Signal(object)  # Company
    back = Signal()

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.folder: Path | None = None
        self.title = QLabel()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.user = QLineEdit("owner")
        self.user.setObjectName("user")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.totp = QLineEdit()
        self.totp.setObjectName("totp")
        self.totp.setPlaceholderText("6-digit code or a recovery code")
        self.totp_label = QLabel("Code:")
        self.recovery = QLineEdit()
        self.recovery.setObjectName("recoveryKey")
        self.recovery.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        self.recovery_label = QLabel("Recovery key:")
        self.form = QFormLayout()
        self.form.addRow("&User:", self.user)
        self.form.addRow("&Password:", self.password)
        self.form.addRow(self.totp_label, self.totp)
        self.form.addRow(self.recovery_label, self.recovery)
        self.error = _error_label()
        self._build_buttons_and_layout()
        for field in (self.user, self.password, self.totp, self.recovery):
            field.returnPressed.connect(self.submit)
        self._show_totp(False)
        self._use_recovery(False)

    def _build_buttons_and_layout(self) -> None:
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        self.recovery_button = QPushButton("Use the &recovery key")
        self.recovery_button.setCheckable(True)
        self.recovery_button.toggled.connect(self._use_recovery)
        self.back_button = QPushButton("&Back")
        self.back_button.clicked.connect(self.back)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.recovery_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def start(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.title.setText(f"<h2>{name}</h2>{folder}")
        is_demo = folder.resolve() == demo_folder().resolve()
        self.hint.setText(f"Demo company: user owner, password {DEMO_PASSWORD}." if is_demo else "")
        self.hint.setVisible(is_demo)
        if is_demo:
            self.password.setText(DEMO_PASSWORD)
        self.error.hide()
        self._show_totp(False)
        self.recovery_button.setChecked(False)
        self.password.setFocus()

    def _show_totp(self, shown: bool) -> None:
        self.totp.setVisible(shown)
        self.totp_label.setVisible(shown)
        if not shown:
            self.totp.clear()

    def _use_recovery(self, on: bool) -> None:
        self.recovery.setVisible(on)
        self.recovery_label.setVisible(on)
        self.password.setEnabled(not on)
        if on:
            self.recovery.setFocus()
        else:
            self.password.setFocus()

    def submit(self) -> None:
        if self.folder is None or not self.unlock_button.isEnabled():
            return
        folder = self.folder
        user = self.user.text().strip() or "owner"
        password = self.password.text()
        code = self.totp.text().strip() or None
        recovery = self.recovery.text() if self.recovery_button.isChecked() else None

        def unlock(_ctx: JobContext) -> Company:
            if recovery is not None:
                return open_with_recovery_key(folder, recovery, user)
            return open_company(folder, user, password, code)

        self._set_busy(True)
        self.runner.write("Unlock", unlock, on_done=self._unlocked, on_error=self._failed)

    def _unlocked(self, company: Company) -> None:
        self._set_busy(False)
        self.password.clear()
        self.recovery.clear()
        remember_recent(company.folder, company.profile.name)
        self.unlocked.emit(company)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
            return
        self.error.setText(text)
        self.error.show()
        if isinstance(exc, SecondFactorRequired):
            self._show_totp(True)
            self.totp.setFocus()
        elif isinstance(exc, LockedOut):
            self.recovery_button.setFocus()
        else:
            self.password.selectAll()
            (self.recovery if self.recovery_button.isChecked() else self.password).setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.unlock_button, self.back_button, self.recovery_button):
            widget.setEnabled(not busy)


class UnlockDialog(QDialog):
    """The first window: chooser, then login; ``company`` is set when it accepts."""

    def __init__(
        self, runner: Runner, folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME}: open a company")
        self.resize(560, 440)
        self.company: Company | None = None
        self.chooser = ChooserPage(runner)
        self.login = LoginPage(runner)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.chooser)
        self.pages.addWidget(self.login)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.chooser.chosen.connect(self._chosen)
        self.login.back.connect(self._back)
        self.login.unlocked.connect(self._unlocked)
        QShortcut(QKeySequence("Ctrl+D"), self, self.chooser.open_demo)
        QShortcut(QKeySequence("Ctrl+N"), self, self.open_wizard)
        self.chooser.create_requested.connect(self.open_wizard)
        self.runner = runner
        self.wizard: FirstRunWizard | None = None
        if folder is not None:
            self.chooser.choose(folder)

    def open_wizard(self) -> None:
        self.wizard = FirstRunWizard(self.runner, self)
        self.wizard.finished.connect(self._wizard_done)
        self.wizard.open()

    def _wizard_done(self) -> None:
        wizard = self.wizard
        if wizard is not None and wizard.company is not None:
            remember_recent(wizard.company.folder, wizard.company.profile.name)
            self._unlocked(wizard.company)

    def _chosen(self, folder: Path, name: str) -> None:
        self.login.start(folder, name)
        self.pages.setCurrentWidget(self.login)
        self.login.password.setFocus()

    def _back(self) -> None:
        self.chooser.refresh()
        self.pages.setCurrentWidget(self.chooser)

    def _unlocked(self, company: Company) -> None:
        self.company = company
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.pages.currentWidget() is self.login:
            if self.login.unlock_button.isEnabled():  # Esc goes back, as elsewhere
                self._back()
            return
        super().keyPressEvent(event)
