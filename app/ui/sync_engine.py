"""The background sync engine of the desktop program (DESIGN.md §6-7).

It runs ``app.syncing.service.sync_now`` off the UI thread, on a timer: every
``INTERVAL_MS`` while online (so a queue drains even when nothing new is written), and after
a failure with exponential backoff and full jitter (``sync.transport.Backoff``). It shows its
state in the status bar label it is given: synced, pending N, offline, or error with the
reason. "Sync now" runs it at once; a click on the label asks for the Sync page
(``open_requested``).

A sale never waits for it: the job goes to the runner's read pool, not the single writer
lane, because most of its time is network round trips; its own writes are short
transactions of their own (one per pulled page, small pages here) that take turns with the
counter's through SQLite's lock.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel

from app.errors import AppError, NotFound
from app.storage.company import Company
from app.syncing import service
from app.ui.ops import JobContext, Runner
from sync.client import SyncReport
from sync.errors import ServerRefused, TransportError
from sync.transport import Backoff

log = logging.getLogger(__name__)

INTERVAL_MS = 30_000
FIRST_MS = 2_000
PAGE_LIMIT = 100  # changes per pulled page: bounds how long one page holds the write lock


class SyncEngine(QObject):
    state_changed = Signal(str)  # the status bar text
    open_requested = Signal()  # the status bar label was clicked: show the Sync page

    def __init__(
        self,
        company: Company,
        runner: Runner,
        label: QLabel,
        *,
        interval_ms: int = INTERVAL_MS,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.label = label
        self.interval_ms = interval_ms
        self.backoff = backoff or Backoff(base_s=2.0, cap_s=300.0)
        self.running = False
        self.next_delay_ms: int | None = None
        self.state = "not set up"
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)
        label.setCursor(Qt.CursorShape.PointingHandCursor)
        label.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.label and event.type() == QEvent.Type.MouseButtonRelease:
            self.open_requested.emit()
            return True
        return super().eventFilter(watched, event)

    def start(self) -> None:
        """Begin the timer if this company is set up for sync."""
        self._show_pending()
        if self.state != "not set up":
            self._schedule(FIRST_MS)

    def stop(self) -> None:
        self.timer.stop()
        self.next_delay_ms = None

    def sync_now(self) -> None:
        """Run one sync unless one is running; the next is scheduled when it ends."""
        if self.running:
            return
        self.timer.stop()
        self.running = True
        company = self.company

        def job(ctx: JobContext) -> SyncReport:
            return service.sync_now(company, page_limit=PAGE_LIMIT)

        self.runner.read("Sync", job, on_done=self._synced, on_error=self._failed)

    def _schedule(self, delay_ms: int) -> None:
        self.next_delay_ms = delay_ms
        self.timer.start(delay_ms)

    def _set(self, state: str) -> None:
        self.state = state
        text = f"Sync: {state}"
        self.label.setText(text)
        self.label.setToolTip(f"{text}. Click for devices, conflicts and pairing.")
        self.state_changed.emit(text)

    def _show_pending(self) -> None:
        try:
            status = service.status(self.company)
        except AppError:
            status = None
        if status is None or not status.enabled:
            self._set("not set up")
            return
        self._set(f"pending {status.pending}" if status.pending else "synced")

    def _synced(self, report: SyncReport) -> None:
        self.running = False
        self.backoff.reset()
        status = service.status(self.company)
        state = f"pending {status.pending}" if status.pending else "synced"
        if status.quarantined:
            state += f", {status.quarantined} held back"
        self._set(state)
        self._schedule(self.interval_ms)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, NotFound):
            self._set("not set up")
            return
        if isinstance(exc, TransportError):
            pending = service.status(self.company).pending
            self._set(f"offline, pending {pending}" if pending else "offline")
        elif isinstance(exc, ServerRefused | AppError):
            self._set(f"error: {exc}")
        else:
            log.exception("sync failed", exc_info=exc)
            self._set(f"error: {type(exc).__name__}; details are in the log")
        self._schedule(int(self.backoff.next_delay(exc) * 1000) + 1)
