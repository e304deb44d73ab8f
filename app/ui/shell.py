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

from app.billing.checks import check_company
from app.config import APP_NAME
from app.ledger.checks import BooksCheck
from app.ledger.model import VoucherType, financial_year
from app.storage.backup import BackupInfo, automatic_backup
from app.storage.company import Company
from app.storage.settings import auto_lock_minutes
from app.ui.lock import IdleWatch, LockScreen
from app.ui.ops import JobContext, Runner, watch
from app.ui.pages.assistant import AssistantPage
from app.ui.pages.billing_pages import BillingPages
from app.ui.pages.dashboard import DashboardPage
from app.ui.pages.documents import DocumentsPage
from app.ui.pages.gst import GstPage
from app.ui.pages.inventory import InventoryPage
from app.ui.pages.report_viewer import REPORTS, ReportViewer
from app.ui.pages.reports import ReportsPage
from app.ui.pages.settings import SettingsPage
from app.ui.pages.voucher_entry import VoucherEntryPage
from app.ui.sync_engine import SyncEngine

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
        built = self._build_pages()
        self._page_by_name: dict[str, QWidget] = {}
        for index, name in enumerate(SCREENS):
            page = built[name]
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

    def _build_pages(self) -> dict[str, QWidget]:
        """One page per screen, with the signals that keep the dashboard current."""
        company, runner = self.company, self.runner
        self.ledger = LedgerPage(company, runner)
        self.dashboard = DashboardPage(company, runner)
        self.dashboard.open_report.connect(self.open_report)
        self.ledger.vouchers.posted.connect(lambda _posted: self.dashboard.refresh())
        self.settings = SettingsPage(company, runner)
        self.gst = GstPage(company, runner)
        self.inventory = InventoryPage(company, runner)
        self.inventory.stock_changed.connect(self.dashboard.refresh)
        self.billing = BillingPages.build(company, runner)
        self.billing.pos.posted.connect(lambda _posted: self.dashboard.refresh())
        self.documents = DocumentsPage(company, runner)
        self.documents.posted.connect(lambda _posted: self.billing.refresh())
        self.assistant = self._assistant_page()
        # The model loaded on the Assistant page also fills bills' missing fields.
        self.assistant.models.runtime_changed.connect(self.documents.set_runtime)
        return {
            "Ledger": self.ledger,
            "Dashboard": self.dashboard,
            "Settings": self.settings,
            "GST": self.gst,
            "Documents": self.documents,
            "Inventory": self.inventory,
            "Assistant": self.assistant,
            **self.billing.by_screen(),
        }

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
        # A child timer, not QTimer.singleShot: it dies with the window, never after it.
        self.first_backup_timer = QTimer(self)
        self.first_backup_timer.setSingleShot(True)
        self.first_backup_timer.timeout.connect(self.run_automatic_backup)
        self.first_backup_timer.start(BACKUP_FIRST_CHECK_MS)

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
        self.sync_engine = SyncEngine(self.company, self.runner, self.status_sync, parent=self)
        self.sync_engine.open_requested.connect(self.open_sync_page)
        sync_page = self.settings.sync
        self.sync_engine.state_changed.connect(sync_page.engine_changed)
        sync_page.sync_requested.connect(self.sync_engine.sync_now)
        sync_page.membership_changed.connect(self.sync_engine.start)  # paired: begin syncing
        self.sync_engine.start()

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
            Command("Sync now", "", self.sync_engine.sync_now),
            Command("Sync: devices, conflicts and pairing", "", self.open_sync_page),
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

    def open_sync_page(self) -> None:
        """Settings on its Sync tab (also a click on the status bar's sync label)."""
        self.show_screen("Settings")
        self.settings.setCurrentWidget(self.settings.sync)

    def open_gst(self, tab: int) -> None:
        """The GST page on one of its tabs: 0 GSTR-1, 1 GSTR-3B, 2 problems."""
        self.show_screen("GST")
        self.gst.show_tab(tab)

    def open_trial_balance(self) -> None:
        self.show_screen("Ledger")
        self.ledger.setCurrentWidget(self.ledger.reports)
        self.ledger.reports.trial_balance.table.setFocus()

    def _assistant_page(self) -> AssistantPage:
        page = AssistantPage(self.company, self.runner)
        page.open_report.connect(self.open_report)
        page.report_period.connect(self._report_period)
        return page

    def _report_period(self, start: date | None, end: date) -> None:
        """An assistant answer's period, set on the report viewer before its report opens."""
        if start is not None:
            self.ledger.viewer.start.set_date(start)
        self.ledger.viewer.end.set_date(end)

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
            ctx.progress(0, 0, "Checking balances, the audit chain, stock and documents…")
            # The whole-company check: the ledger's, plus stock against its moves and every
            # document against its voucher and series.
            return check_company(company)

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
        self.sync_engine.stop()
        self.runner.settle()  # let a write in progress finish whole
        self.billing.pos.hold_on_close()  # a bill left on the counter is there next time
        event.accept()
