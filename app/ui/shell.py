"""The main window: navigation rail, pages, status bar, command palette and F-keys.

Keys an accountant expects from Tally: F4 Contra, F5 Payment, F6 Receipt, F7 Journal, F8
Sales, F9 Purchase (the POS counter keeps F6/F7 for hold and resume while it is shown);
Ctrl+K finds any screen or action by name; Ctrl+1 to Ctrl+9 jump along the rail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import APP_NAME
from app.ledger.checks import BooksCheck, check_books
from app.ledger.model import VoucherType, financial_year
from app.storage.backup import BackupInfo, automatic_backup
from app.storage.company import Company
from app.storage.settings import auto_lock_minutes
from app.ui.lock import IdleWatch, LockScreen
from app.ui.ops import JobContext, Runner, watch
from app.ui.pages.billing_pages import BillingPages
from app.ui.pages.dashboard import DashboardPage
from app.ui.pages.gst import GstPage
from app.ui.pages.report_viewer import REPORTS, ReportViewer
from app.ui.pages.reports import ReportsPage
from app.ui.pages.settings import SettingsPage
from app.ui.pages.voucher_entry import VoucherEntryPage
from app.ui.widgets import placeholder_page

log = logging.getLogger(__name__)

REPORT_NAMES = frozenset(r.name for r in REPORTS)
BACKUP_CHECK_MS = 30 * 60_000  # the schedule says when a backup is due; this only looks
BACKUP_FIRST_CHECK_MS = 60_000  # a minute after opening, when the start-up work is done

SCREENS = (
    "Dashboard",
    "POS",
    "Sales",
    "Purchases",
    "Inventory",
    "Parties",
    "Ledger",
    "GST",
    "Documents",
    "Assistant",
    "Settings",
)

# What each module not built yet will do: a page that explains, not an empty one.
COMING: dict[str, str] = {
    "Inventory": (
        "Items with HSN codes, units, godowns and batches; stock moves with every sale and "
        "purchase, valued by FIFO or average cost, with reorder levels that warn you in time."
    ),
    "Documents": (
        "Drop in a supplier's bill as a PDF or photo: Bahi reads it on this computer and "
        "prepares a purchase entry for you to check and post."
    ),
    "Assistant": (
        "Ask questions about your books in plain words (who owes me the most? what did I "
        "spend on electricity?), answered by a language model that runs on this computer, "
        "so your data never leaves it."
    ),
}


@dataclass(frozen=True)
class Command:
    name: str
    shortcut: str
    run: Callable[[], None]


class CommandPalette(QDialog):
    """Ctrl+K: type to filter every screen and action by name, Enter runs it."""

    ran = Signal(str)

    def __init__(self, commands: list[Command], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Go to")
        self.setObjectName("commandPalette")
        self.resize(460, 380)
        self.commands = commands
        self.search = QLineEdit()
        self.search.setObjectName("paletteSearch")
        self.search.setPlaceholderText("Type a screen or an action…")
        self.list = QListWidget()
        self.list.setObjectName("paletteList")
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self.run_current)
        self.list.itemActivated.connect(lambda _item: self.run_current())
        self.search.installEventFilter(self)
        self._filter("")

    def matches(self, text: str) -> list[Command]:
        words = text.casefold().split()
        return [c for c in self.commands if all(w in c.name.casefold() for w in words)]

    def _filter(self, text: str) -> None:
        self.list.clear()
        for command in self.matches(text):
            label = f"{command.name}    {command.shortcut}" if command.shortcut else command.name
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, command.name)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, watched: object, event: object) -> bool:
        # Up and Down in the search box move through the list, so the hands stay on the keys.
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
            self.list.setCurrentRow(row)
            return True
        return False

    def run_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        command = next(c for c in self.commands if c.name == name)
        self.accept()
        self.ran.emit(name)
        command.run()


class LedgerPage(QTabWidget):
    """Ledger: voucher entry, the trial balance with drill-down, and every report."""

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vouchers = VoucherEntryPage(company, runner)
        self.reports = ReportsPage(company, runner)
        self.viewer = ReportViewer(company, runner)
        self.addTab(self.vouchers, "&Voucher entry")
        self.addTab(self.reports, "&Trial balance")
        self.addTab(self.viewer, "&Reports")
        self.vouchers.posted.connect(lambda _posted: self.reports.refresh())


class MainWindow(QMainWindow):
    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        runner.error_parent = self
        self.setWindowTitle(f"{company.profile.name} · {APP_NAME}")
        self.resize(1180, 720)

        self.rail = QListWidget()
        self.rail.setObjectName("rail")
        self.rail.setFixedWidth(170)
        self.rail.setStyleSheet(
            "QListWidget#rail { background: #1f2a37; color: #e5e7eb; border: none;"
            " font-size: 14px; padding-top: 8px; outline: 0; }"
            "QListWidget#rail::item { padding: 9px 14px; }"
            "QListWidget#rail::item:selected { background: #f59e0b; color: #111827; }"
        )
        self.pages = QStackedWidget()
        self.ledger = LedgerPage(company, runner)
        self.dashboard = DashboardPage(company, runner)
        self.dashboard.open_report.connect(self.open_report)
        self.ledger.vouchers.posted.connect(lambda _posted: self.dashboard.refresh())
        self.settings = SettingsPage(company, runner)
        self.gst = GstPage(company, runner)
        self.billing = BillingPages.build(company, runner)
        self.billing.pos.posted.connect(lambda _posted: self.dashboard.refresh())
        built: dict[str, QWidget] = {
            "Ledger": self.ledger,
            "Dashboard": self.dashboard,
            "Settings": self.settings,
            "GST": self.gst,
            **self.billing.by_screen(),
        }
        self._page_by_name: dict[str, QWidget] = {}
        for index, name in enumerate(SCREENS):
            page = built.get(name) or placeholder_page(name, COMING[name])
            self.pages.addWidget(page)
            self._page_by_name[name] = page
            item = QListWidgetItem(name)
            item.setToolTip(f"Ctrl+{index + 1}" if index < 9 else "")
            self.rail.addItem(item)
        self.rail.currentRowChanged.connect(self.pages.setCurrentIndex)

        self.workspace = QWidget()
        layout = QHBoxLayout(self.workspace)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.rail)
        body = QVBoxLayout()
        body.setContentsMargins(12, 8, 12, 4)
        body.addWidget(self.pages)
        layout.addLayout(body, 1)
        self.lock_screen = LockScreen(company, runner)
        self.lock_screen.unlocked.connect(self.unlock)
        self.screens = QStackedWidget()
        self.screens.addWidget(self.workspace)
        self.screens.addWidget(self.lock_screen)
        self.setCentralWidget(self.screens)
        self._start_timers()

        self._build_status_bar()
        self.commands = self._build_commands()
        self.command_palette: CommandPalette | None = None
        self._focus_before_lock: QWidget | None = None
        self._add_shortcuts()
        self.show_screen("Dashboard")

    def _start_timers(self) -> None:
        """Auto-lock after idle time and the automatic backup check."""
        company = self.company
        with company.reader() as conn:
            minutes = auto_lock_minutes(conn)
        self.idle = IdleWatch(minutes * 60_000, self)
        self.idle.idle.connect(self.lock)
        self.settings.auto_lock_changed.connect(self.set_auto_lock)
        self.backup_timer = QTimer(self)
        self.backup_timer.timeout.connect(self.run_automatic_backup)
        self.backup_timer.start(BACKUP_CHECK_MS)
        QTimer.singleShot(BACKUP_FIRST_CHECK_MS, self.run_automatic_backup)

    # -- status bar and commands -------------------------------------------------------------
    def _build_status_bar(self) -> None:
        profile, actor = self.company.profile, self.company.actor
        year = financial_year(date.today(), profile.fy_start_month)
        bar = self.statusBar()
        bar.setStyleSheet(
            "QStatusBar QLabel { padding: 0 10px; } QStatusBar::item { border: none; }"
        )
        self.status_company = QLabel(f"Company: {profile.name}")
        self.status_user = QLabel(f"User: {actor.username} ({actor.role.value})")
        self.status_year = QLabel(f"FY {year.label}")
        self.status_sync = QLabel("Sync: not set up")
        bar.addWidget(self.status_company)
        for label in (self.status_user, self.status_year, self.status_sync):
            bar.addPermanentWidget(label)
        bar.addPermanentWidget(QLabel("Ctrl+K: go to anything"))

    def _build_commands(self) -> list[Command]:
        commands = [
            Command(f"{name}", f"Ctrl+{i + 1}" if i < 9 else "", self._screen_opener(name))
            for i, name in enumerate(SCREENS)
        ]
        for kind, key in (
            (VoucherType.CONTRA, "F4"),
            (VoucherType.PAYMENT, "F5"),
            (VoucherType.RECEIPT, "F6"),
            (VoucherType.JOURNAL, "F7"),
        ):
            commands.append(Command(f"{kind.value} voucher", key, self._voucher_opener(kind)))
        for name, key in (("Sales", "F8"), ("Purchases", "F9")):
            commands.append(Command(f"New {name.lower()} document", key, self._new_document(name)))
        commands += [Command(r.name, "", self._report_opener(r.name)) for r in REPORTS[1:]]
        commands += [
            Command("Trial balance", "", self.open_trial_balance),
            Command("Check the books", "", self.run_check_books),
            Command("GSTR-1 summary", "", self._gst_opener(0)),
            Command("GSTR-3B summary", "", self._gst_opener(1)),
            Command("GST problems before filing", "", self._gst_opener(2)),
            Command("Close the company", "Ctrl+Q", self.close_company),
        ]
        return commands

    def _screen_opener(self, name: str) -> Callable[[], None]:
        return lambda: self.show_screen(name)

    def _report_opener(self, name: str) -> Callable[[], None]:
        return lambda: self.open_report(name, "")

    def _new_document(self, screen: str) -> Callable[[], None]:
        def start() -> None:
            self.show_screen(screen)
            self.billing.start(screen)

        return start

    def _gst_opener(self, tab: int) -> Callable[[], None]:
        return lambda: self.open_gst(tab)

    def _voucher_opener(self, kind: VoucherType) -> Callable[[], None]:
        return lambda: self.open_voucher_entry(kind)

    def _add_shortcuts(self) -> None:
        def add(key: str, run: Callable[[], None]) -> None:
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(run)
            self.addAction(action)

        add("Ctrl+K", self.open_palette)
        add("Ctrl+Q", self.close_company)
        for command in self.commands:
            if command.shortcut.startswith("F") or (
                command.shortcut.startswith("Ctrl+") and command.shortcut[5:].isdigit()
            ):
                add(command.shortcut, command.run)

    # -- navigation --------------------------------------------------------------------------
    def show_screen(self, name: str) -> None:
        self.rail.setCurrentRow(SCREENS.index(name))

    @property
    def current_screen(self) -> str:
        return SCREENS[self.pages.currentIndex()]

    def open_voucher_entry(self, kind: VoucherType) -> None:
        self.show_screen("Ledger")
        self.ledger.setCurrentWidget(self.ledger.vouchers)
        self.ledger.vouchers.start(kind)

    def open_gst(self, tab: int) -> None:
        """The GST page on one of its tabs: 0 GSTR-1, 1 GSTR-3B, 2 problems."""
        self.show_screen("GST")
        self.gst.show_tab(tab)

    def open_trial_balance(self) -> None:
        self.show_screen("Ledger")
        self.ledger.setCurrentWidget(self.ledger.reports)
        self.ledger.reports.trial_balance.table.setFocus()

    def open_report(self, name: str, account: str) -> None:
        """A report by name (a dashboard tile, the palette); a screen name opens the screen."""
        if name not in REPORT_NAMES:
            self.show_screen(name)
            return
        self.show_screen("Ledger")
        self.ledger.setCurrentWidget(self.ledger.viewer)
        self.ledger.viewer.show_report(name, account)
        self.ledger.viewer.table.setFocus()

    def open_palette(self) -> None:
        self.command_palette = CommandPalette(self.commands, self)
        self.command_palette.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.command_palette.finished.connect(self._palette_closed)
        self.command_palette.open()
        self.command_palette.search.setFocus()

    def run_automatic_backup(self) -> None:
        """The scheduled backup, on the writer thread; a failure is logged and shown once in
        the status bar, never as a dialog in the middle of a sale."""
        company = self.company

        def write(_ctx: JobContext) -> BackupInfo | None:
            return automatic_backup(company)

        self.runner.write(
            "Automatic backup", write, on_done=self._backed_up, on_error=self._backup_failed
        )

    def _backed_up(self, info: BackupInfo | None) -> None:
        if info is not None:
            self.statusBar().showMessage(f"Backed up to {info.path}", 10_000)

    def _backup_failed(self, exc: BaseException) -> None:
        log.error("automatic backup failed: %s", exc)
        self.statusBar().showMessage(f"Automatic backup failed: {exc}", 30_000)

    def _palette_closed(self) -> None:
        self.command_palette = None

    def run_check_books(self) -> None:
        company = self.company

        def read(ctx: JobContext) -> BooksCheck:
            ctx.progress(0, 0, "Checking balances, the audit chain and the day totals…")
            return check_books(company)

        job = self.runner.read("Check the books", read, on_done=self._books_checked)
        watch(job, self)

    def _books_checked(self, result: BooksCheck) -> None:
        if result.ok:
            text = (
                f"The books are in order: {result.vouchers} vouchers and {result.audit_rows} "
                "audit rows checked."
            )
            icon = QMessageBox.Icon.Information
        else:
            shown = "\n".join(str(p) for p in result.problems[:10])
            text = (
                f"{len(result.problems)} problems found. Restore from a backup or ask your "
                f"accountant before posting more.\n\n{shown}"
            )
            icon = QMessageBox.Icon.Warning
        box = QMessageBox(icon, "Check the books", text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- locking -----------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.screens.currentWidget() is self.lock_screen

    def lock(self) -> None:
        """Hide the books until the user's password is typed again; nothing is closed."""
        if self.locked:
            return
        self.idle.stop()
        if self.command_palette is not None:
            self.command_palette.reject()
        for action in self.actions():
            action.setEnabled(False)  # F-keys and Ctrl+K must not reach the hidden pages
        self._focus_before_lock = QApplication.focusWidget()
        self.screens.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()
        log.info("window locked after idle time")

    def unlock(self) -> None:
        for action in self.actions():
            action.setEnabled(True)
        self.screens.setCurrentWidget(self.workspace)
        if self._focus_before_lock is not None:
            self._focus_before_lock.setFocus()
        self.idle.restart()

    def set_auto_lock(self, minutes: int) -> None:
        self.idle.set_interval(minutes * 60_000)

    # -- closing -----------------------------------------------------------------------------
    def close_company(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.ledger.vouchers.has_unsaved():
            answer = QMessageBox.question(
                self,
                "Unsaved voucher",
                "The voucher you are entering has not been posted. Close and discard it?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self.runner.settle()  # let a write in progress finish whole
        self.billing.pos.hold_on_close()  # a bill left on the counter is there next time
        event.accept()
