"""Settings → Sync: this device's place in the shop, the other devices (with revoke), the
conflicts that per-field last-writer-wins settled, the changes held back in quarantine (with
retry), and pairing: "Add a device" shows a short code and its QR code, then the six digits
both screens must agree on; "Join a shop" takes the code on the new device. Either side
stops at Cancel (or Esc) while it waits; the joining company is written only once the
approved keys arrive, so a cancelled join leaves it as it was.

Every step that talks to the sync service runs on the runner's read pool (network round
trips; the few writes are short transactions of their own), never on the UI thread and never
in the single writer lane, so the counter keeps selling while a device pairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QFont, QImage, QKeySequence, QPixmap, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError
from app.storage.access import Role
from app.storage.company import Company
from app.storage.totp import qr_png
from app.syncing import service
from app.ui.ops import Job, JobContext, JobFunction, Runner, show_error
from sync import pairing
from sync import protocol as P
from sync.client import Membership
from sync.errors import PairingFailed, SyncError
from sync.transport import Transport

OFFER_WAIT_S = 300  # an offer expires on the server after 5 minutes
POLL_S = 0.5
QR_WIDTH = 220
# Alt+L: "Sync &now" holds N on the same screen, and a shared mnemonic only moves the focus.
CANCEL = "Cance&l"
DIFFER = "They differ: cance&l"


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeColumnsToContents()


def _field(name: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setPlaceholderText(placeholder)
    return field


def _when_ms(ms: int | None) -> str:
    if ms is None:
        return "never"
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone().strftime("%d-%m-%Y %H:%M")


def _stamp(hlc: str) -> str:
    """An HLC stamp as a local time (its physical part)."""
    try:
        return _when_ms(int(hlc.split("-", 1)[0]))
    except ValueError:
        return hlc


def _value(text: str) -> str:
    """A conflict value as stored (JSON) shown plainly: strings without their quotes."""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _expected(exc: BaseException) -> bool:
    return isinstance(exc, AppError | SyncError)


def _escape(tab: QWidget, button: QPushButton) -> None:
    """Esc anywhere in the tab presses its Cancel button (a disabled button ignores it)."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), tab, button.click)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)


class SyncPage(QWidget):
    sync_requested = Signal()  # "Sync now": the shell's engine runs it
    membership_changed = Signal()  # this company joined a shop or the shop's devices changed

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.owner = company.actor.role is Role.OWNER
        self.devices: list[P.DeviceInfo] = []
        self.this_device: str | None = None
        self.revoke_box: QMessageBox | None = None
        # A pairing offer in progress (the offering device's side).
        self._offer: tuple[Membership, Transport, pairing.Offer] | None = None
        self._offer_state: P.PairingState | None = None
        # The running step of each pairing side that Cancel (or Esc) stops.
        self._offer_job: Job | None = None
        self._join_job: Job | None = None

        self.summary = QLabel("Reading the sync state…")
        self.summary.setObjectName("syncSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        refresh = QPushButton("&Refresh")
        refresh.setObjectName("syncRefresh")
        refresh.clicked.connect(self.refresh)
        sync_now = QPushButton("Sync &now")
        sync_now.setObjectName("syncNow")
        sync_now.clicked.connect(self.sync_requested.emit)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(sync_now)
        top.addWidget(refresh)

        self.sections = QTabWidget()
        self.sections.setObjectName("syncSections")
        self.sections.addTab(self._devices_tab(), "&Devices")
        self.sections.addTab(self._conflicts_tab(), "C&onflicts")
        self.sections.addTab(self._held_tab(), "&Held back")
        self.sections.addTab(self._offer_tab(), "&Add a device")
        self.sections.addTab(self._join_tab(), "&Join a shop")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sections, 1)
        self._shown_once = False

    def showEvent(self, event: QShowEvent) -> None:
        """Read when first shown, not at start-up: the device list is a network call."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.refresh()

    def engine_changed(self, _text: str) -> None:
        """The status bar's engine finished a round: show what changed, if on screen."""
        if self.isVisible():
            self.refresh()

    # -- sections ------------------------------------------------------------------------------
    def _devices_tab(self) -> QWidget:
        tab = QWidget()
        self.device_table = _table(
            "syncDevices", ["Name", "Status", "Changes sent", "Last seen", "Device id"]
        )
        self.device_note = QLabel()
        self.device_note.setObjectName("deviceNote")
        self.device_note.setWordWrap(True)
        self.revoke_button = QPushButton("Re&voke the selected device")
        self.revoke_button.setObjectName("revokeDevice")
        self.revoke_button.setEnabled(False)
        self.revoke_button.clicked.connect(self.ask_revoke)
        self.device_table.itemSelectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.device_table, 1)
        layout.addWidget(self.device_note)
        layout.addWidget(self.revoke_button, 0, Qt.AlignmentFlag.AlignLeft)
        return tab

    def _conflicts_tab(self) -> QWidget:
        tab = QWidget()
        self.conflict_table = _table(
            "syncConflicts", ["Record", "Field", "Kept (won)", "Lost", "Won by device", "Changed"]
        )
        note = QLabel(
            "Two devices changed the same field while apart. The later change was kept on "
            "every device; the other value is listed here. Edit the record to change it."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(tab)
        layout.addWidget(note)
        layout.addWidget(self.conflict_table, 1)
        return tab

    def _held_tab(self) -> QWidget:
        tab = QWidget()
        self.held_table = _table("syncHeld", ["Change", "Reason", "What to do", "Held since"])
        self.held_note = QLabel()
        self.held_note.setObjectName("heldNote")
        self.held_note.setWordWrap(True)
        self.retry_button = QPushButton("&Retry the held changes")
        self.retry_button.setObjectName("retryHeld")
        self.retry_button.clicked.connect(self.retry_held)
        layout = QVBoxLayout(tab)
        layout.addWidget(
            QLabel(
                "Changes from other devices that could not be applied here yet. They are kept "
                "whole, never dropped, and retried at every sync."
            )
        )
        layout.addWidget(self.held_table, 1)
        layout.addWidget(self.held_note)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        return tab

    def _offer_tab(self) -> QWidget:
        tab = QWidget()
        self.offer_prefix = _field("newDevicePrefix", "B")
        self.offer_prefix.setMaxLength(4)
        self.offer_button = QPushButton("Show a &pairing code")
        self.offer_button.setObjectName("startOffer")
        self.offer_button.clicked.connect(self.start_offer)
        self.offer_code = QLabel()
        self.offer_code.setObjectName("pairCode")
        big = QFont(self.offer_code.font())
        big.setPointSize(big.pointSize() + 8)
        big.setBold(True)
        self.offer_code.setFont(big)
        self.offer_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.offer_qr = QLabel()
        self.offer_qr.setObjectName("pairQr")
        self.offer_digits = QLabel()
        self.offer_digits.setObjectName("offerDigits")
        self.offer_digits.setFont(big)
        self.offer_status = QLabel()
        self.offer_status.setObjectName("offerStatus")
        self.offer_status.setWordWrap(True)
        self.approve_button = QPushButton("The six digits &match: approve")
        self.approve_button.setObjectName("approvePairing")
        self.approve_button.clicked.connect(self.approve)
        self.cancel_offer_button = QPushButton(CANCEL)
        self.cancel_offer_button.setObjectName("cancelPairing")
        self.cancel_offer_button.clicked.connect(self.cancel_offer)
        form = QFormLayout()
        form.addRow("New device's invoice series", self.offer_prefix)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.cancel_offer_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(self.offer_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.offer_code)
        layout.addWidget(self.offer_qr)
        layout.addWidget(self.offer_status)
        layout.addWidget(self.offer_digits)
        layout.addLayout(buttons)
        layout.addStretch(1)
        _escape(tab, self.cancel_offer_button)
        self._offer_idle()
        return tab

    def _join_tab(self) -> QWidget:
        tab = QWidget()
        self.join_code = _field("joinCode", "7KQM-2XPA-9D3F, or the text the QR code holds")
        self.join_server = _field("joinServer", "https://sync.example.in (only with a typed code)")
        self.join_name = _field("joinName", "Till 2")
        self.join_button = QPushButton("&Join the shop")
        self.join_button.setObjectName("joinShop")
        self.join_button.clicked.connect(self.join)
        self.join_code.returnPressed.connect(self.join)
        # Made after the Join button: when that one is disabled, focus moves on to this one.
        self.cancel_join_button = QPushButton(CANCEL)
        self.cancel_join_button.setObjectName("cancelJoin")
        self.cancel_join_button.setEnabled(False)
        self.cancel_join_button.clicked.connect(self.cancel_join)
        self.join_digits = QLabel()
        self.join_digits.setObjectName("joinDigits")
        big = QFont(self.join_digits.font())
        big.setPointSize(big.pointSize() + 8)
        big.setBold(True)
        self.join_digits.setFont(big)
        self.join_status = QLabel(
            "On a device of the shop, open Settings → Sync → Add a device, then type the code "
            "it shows here (or paste the QR code's text)."
        )
        self.join_status.setObjectName("joinStatus")
        self.join_status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Pairing &code", self.join_code)
        form.addRow("Sync &server", self.join_server)
        form.addRow("This device's &name", self.join_name)
        buttons = QHBoxLayout()
        buttons.addWidget(self.join_button)
        buttons.addWidget(self.cancel_join_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.join_digits)
        layout.addWidget(self.join_status)
        layout.addStretch(1)
        _escape(tab, self.cancel_join_button)
        return tab

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the local state (status, conflicts, held changes), then ask the service for
        the device list; the page works offline with whatever the file knows."""
        company = self.company

        def read(_ctx: JobContext) -> tuple[Any, ...]:
            return service.status(company), service.conflicts(company), service.held(company)

        self.runner.read("Sync state", read, on_done=self._shown, on_error=self._refresh_failed)

    def _shown(self, values: tuple[Any, ...]) -> None:
        status, conflicts, held = values
        self.this_device = status.device_id
        joined = status.enabled
        self.offer_button.setEnabled(
            joined and self.owner and self._offer is None and self._offer_job is None
        )
        self.join_button.setEnabled(not joined and self._join_job is None)
        if not joined:
            self.summary.setText(
                "This company does not sync yet. Join a shop from its Join tab, or start a "
                "shop with 'bahi sync pair --new-shop'."
            )
        else:
            self.summary.setText(
                f"This device issues numbers with series {status.series_prefix} and syncs "
                f"through {status.server_url}. Waiting to go: {status.pending}; held back: "
                f"{status.quarantined}; conflicts: {status.conflicts}; last synced "
                f"{_when_ms(status.last_sync_ms)}."
            )
        _fill(
            self.conflict_table,
            [
                [
                    f"{c.record} ({c.table})",
                    c.field or "whole record",
                    _value(c.kept),
                    _value(c.lost),
                    c.kept_by[:8],
                    _stamp(c.kept_hlc),
                ]
                for c in conflicts
            ],
        )
        _fill(
            self.held_table,
            [[f"#{h.server_seq}", h.reason, h.message, h.at.replace("T", " ")] for h in held],
        )
        self.retry_button.setEnabled(joined and bool(held))
        if joined:
            self.refresh_devices()

    def _refresh_failed(self, exc: BaseException) -> None:
        if not _expected(exc):
            show_error(self, exc)
            return
        self.summary.setText(str(exc))

    def refresh_devices(self) -> None:
        company = self.company
        self.runner.read(
            "Sync devices",
            lambda _ctx: service.devices(company),
            on_done=self._devices_shown,
            on_error=self._devices_failed,
        )

    def _devices_shown(self, devices: list[P.DeviceInfo]) -> None:
        self.devices = list(devices)
        rows = []
        for d in self.devices:
            me = " (this device)" if d.keys.device_id == self.this_device else ""
            rows.append(
                [
                    d.name + me,
                    d.status,
                    str(d.last_seq),
                    _when_ms(d.last_seen_ms),
                    d.keys.device_id,
                ]
            )
        _fill(self.device_table, rows)
        self.device_note.setText("" if self.owner else "Only the owner may revoke a device.")
        self._selection_changed()

    def _devices_failed(self, exc: BaseException) -> None:
        if not _expected(exc):
            show_error(self, exc)
            return
        self.device_note.setText(f"The device list needs the sync service: {exc}")

    def _selected_device(self) -> P.DeviceInfo | None:
        rows = {i.row() for i in self.device_table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.devices[row] if row < len(self.devices) else None

    def _selection_changed(self) -> None:
        chosen = self._selected_device()
        self.revoke_button.setEnabled(
            self.owner
            and chosen is not None
            and chosen.status != "revoked"
            and chosen.keys.device_id != self.this_device
        )

    # -- revoke --------------------------------------------------------------------------------
    def ask_revoke(self) -> None:
        chosen = self._selected_device()
        if chosen is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Revoke a device",
            f"Revoke {chosen.name}? It can no longer send or receive anything, and the shop's "
            "key changes for new changes. Its sales made so far stay in the books. To use it "
            "again, pair it as a new device.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        device_id = chosen.keys.device_id
        box.accepted.connect(lambda: self._revoke(device_id))
        self.revoke_box = box
        box.open()  # modal, but the event loop and the workers keep running

    def _revoke(self, device_id: str) -> None:
        company = self.company
        self.revoke_button.setEnabled(False)
        self.device_note.setText("Revoking…")
        self.runner.read(
            "Revoke device",
            lambda _ctx: service.revoke(company, device_id),
            on_done=lambda _none: self._revoked(),
            on_error=self._devices_failed,
        )

    def _revoked(self) -> None:
        self.device_note.setText("Revoked; the shop's key has changed for new changes.")
        self.membership_changed.emit()
        self.refresh_devices()

    # -- held changes --------------------------------------------------------------------------
    def retry_held(self) -> None:
        company = self.company
        self.retry_button.setEnabled(False)
        self.held_note.setText("Trying the held changes again…")

        def done(released: int) -> None:
            self.held_note.setText(f"{released} applied." if released else "Still held back.")
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.retry_button.setEnabled(True)
            if not _expected(exc):
                show_error(self, exc)
                return
            self.held_note.setText(str(exc))

        self.runner.read(
            "Retry held changes",
            lambda _ctx: service.retry_held(company),
            on_done=done,
            on_error=failed,
        )

    # -- add a device (this device offers) -----------------------------------------------------
    def _offer_idle(self) -> None:
        self.approve_button.setEnabled(False)
        self.cancel_offer_button.setEnabled(False)
        self.cancel_offer_button.setText(CANCEL)
        self.offer_button.setEnabled(self.owner and self.this_device is not None)

    @property
    def pairing_offer(self) -> pairing.Offer | None:
        """The offer on screen (its code, and the text its QR code holds), while there is one."""
        return None if self._offer is None else self._offer[2]

    def start_offer(self) -> None:
        if self._offer is not None or self._offer_job is not None:
            return  # one offer at a time
        prefix = self.offer_prefix.text().strip().upper()
        if not prefix:
            self.offer_status.setText("Type the new device's series prefix first (like B).")
            self.offer_prefix.setFocus()
            return
        company = self.company
        self.offer_status.setText("Asking the sync service for a pairing code…")
        self.offer_digits.clear()

        def start(ctx: JobContext) -> tuple[Membership, Transport, pairing.Offer, bytes]:
            m, transport, pending = service.offer(company)
            try:
                ctx.check()  # cancelled while the service answered: the code is never shown
                return m, transport, pending, qr_png(pending.uri)
            except BaseException:
                transport.close()
                raise

        self._offer_step("Pairing code", start, self._offered)
        self.offer_button.setEnabled(False)  # after Cancel is enabled: the focus moves to it

    def _offer_step(self, name: str, fn: JobFunction, on_done: Callable[[Any], None]) -> None:
        """One step of the offer that Cancel may stop; its end closes the offer."""
        job = self.runner.read(name, fn, on_done=on_done, on_error=self._offer_failed)
        job.cancelled.connect(self._offer_cancelled)
        self._offer_job = job
        self.cancel_offer_button.setEnabled(True)

    def _offer_step_ended(self) -> bool:
        """Forget the step that just ended; True when Cancel came after its last check."""
        job, self._offer_job = self._offer_job, None
        return job is not None and job.token.cancelled

    def _offered(self, values: tuple[Membership, Transport, pairing.Offer, bytes]) -> None:
        m, transport, pending, png = values
        self._offer = (m, transport, pending)
        if self._offer_step_ended():
            self._offer_cancelled()
            return
        self.offer_code.setText(pending.code)
        self.offer_qr.setPixmap(
            QPixmap.fromImage(QImage.fromData(QByteArray(png))).scaledToWidth(QR_WIDTH)
        )
        self.offer_qr.setToolTip(pending.uri)
        self.offer_status.setText(
            "On the new device open Settings → Sync → Join a shop and scan the QR code or "
            "type the code. Waiting for it (the code lasts 5 minutes)…"
        )

        def wait(ctx: JobContext) -> P.PairingState:
            deadline = time.monotonic() + OFFER_WAIT_S
            while True:
                ctx.check()  # Cancel stops the wait between polls
                state = transport.pairing(pending.secrets.pairing_id)
                if state.joiner is not None:
                    return state
                if time.monotonic() > deadline:
                    raise PairingFailed("No device joined in time; show a new pairing code.")
                time.sleep(POLL_S)

        self._offer_step("Waiting for the new device", wait, self._joined)

    def _joined(self, state: P.PairingState) -> None:
        if self._offer_step_ended():
            self._offer_cancelled()
            return
        if self._offer is None:
            return
        _, _, pending = self._offer
        self._offer_state = state
        digits = pairing.confirmation_for_offer(pending, state)
        self.offer_digits.setText(f"{digits[:3]} {digits[3:]}")
        self.offer_status.setText(
            f"{state.joiner_name or 'A device'} wants to join. Check that it shows the same six "
            "digits, then approve; if they differ, someone else answered the code: cancel."
        )
        self.cancel_offer_button.setText(DIFFER)
        self.cancel_offer_button.setEnabled(True)
        self.approve_button.setEnabled(True)
        self.approve_button.setFocus()

    @property
    def offer_confirmation(self) -> str:
        """The six digits this device shows, without the space."""
        return self.offer_digits.text().replace(" ", "")

    def approve(self) -> None:
        if self._offer is None or self._offer_state is None or self._offer_job is not None:
            return
        m, transport, pending = self._offer
        state = self._offer_state
        prefix = self.offer_prefix.text().strip().upper()
        company = self.company
        self.approve_button.setEnabled(False)
        self.cancel_offer_button.setEnabled(False)  # the keys are being sealed: too late
        self.offer_status.setText("Sealing the shop's keys to the new device…")

        def seal(_ctx: JobContext) -> str:
            service.approve(company, m, transport, pending, state, series_prefix=prefix)
            return state.joiner_name or "The new device"

        def done(name: str) -> None:
            self._end_offer()
            self.offer_status.setText(f"Approved: {name} joins the shop with series {prefix}.")
            self.membership_changed.emit()
            self.refresh_devices()

        self.runner.read("Approve pairing", seal, on_done=done, on_error=self._offer_failed)

    def cancel_offer(self) -> None:
        """Stop offering: a running step stops at its next check and its end closes the offer
        (the transport is closed only once no worker uses it); while the six digits wait for
        the owner, at once. Nothing has been sealed either way."""
        self.cancel_offer_button.setEnabled(False)
        if self._offer_job is not None:
            self._offer_job.cancel()
            self.offer_status.setText("Cancelling…")
            return
        self._offer_cancelled()

    def _offer_cancelled(self) -> None:
        self._offer_job = None
        joined = self._offer_state is not None
        self._end_offer()
        self.offer_status.setText(
            "Pairing cancelled; nothing was shared."
            + (" Cancel the wait on the other device too." if joined else "")
        )
        self.offer_button.setFocus()

    def _end_offer(self) -> None:
        if self._offer is not None:
            self._offer[1].close()
        self._offer = None
        self._offer_state = None
        self.offer_code.clear()
        self.offer_qr.clear()
        self.offer_qr.setToolTip("")
        self.offer_digits.clear()
        self._offer_idle()

    def _offer_failed(self, exc: BaseException) -> None:
        if self._offer_step_ended() and _expected(exc):
            self._offer_cancelled()  # it failed while stopping: cancelled is what the user asked
            return
        self._end_offer()
        if not _expected(exc):
            show_error(self, exc)
            return
        self.offer_status.setText(str(exc))

    # -- join a shop (this device is new) -----------------------------------------------------
    def join(self) -> None:
        if self._join_job is not None or not self.join_button.isEnabled():
            return  # one join at a time (Enter in the code field comes here too)
        code = self.join_code.text().strip()
        if not code:
            self.join_status.setText("Type the code the other device shows.")
            return
        company = self.company
        name = self.join_name.text().strip() or "New device"
        server = self.join_server.text().strip() or None
        self.join_status.setText("Asking the shop's sync service…")

        def start(ctx: JobContext) -> pairing.Joining:
            joining = service.join(company, code, device_name=name, server_url=server)
            ctx.check()  # cancelled while the service answered: nothing was written here
            return joining

        self._join_step("Join a shop", start, self._join_started)

    def _join_step(self, name: str, fn: JobFunction, on_done: Callable[[Any], None]) -> None:
        """One step of joining that Cancel may stop."""
        job = self.runner.read(name, fn, on_done=on_done, on_error=self._join_failed)
        job.cancelled.connect(self._join_cancelled)
        self._join_job = job
        self.cancel_join_button.setEnabled(True)
        self.join_button.setEnabled(False)  # after Cancel is enabled: the focus moves to it

    def _join_step_ended(self) -> bool:
        """Forget the step that just ended; True when Cancel came after its last check."""
        job, self._join_job = self._join_job, None
        self.cancel_join_button.setEnabled(False)
        return job is not None and job.token.cancelled

    def _join_started(self, joining: pairing.Joining) -> None:
        if self._join_step_ended():
            self._join_cancelled()
            return
        digits = joining.confirmation_code
        self.join_digits.setText(f"{digits[:3]} {digits[3:]}")
        self.join_status.setText(
            "Check that the other device shows the same six digits; it approves there. "
            "Waiting for the approval (Esc cancels)…"
        )
        company = self.company

        def wait(ctx: JobContext) -> Membership:
            # ctx.check runs before every poll: Cancel stops the wait before the keys are
            # taken, and nothing is written to the company until they are.
            return service.finish_join(company, joining, timeout_s=OFFER_WAIT_S, check=ctx.check)

        self._join_step("Waiting for approval", wait, self._join_finished)

    @property
    def join_confirmation(self) -> str:
        return self.join_digits.text().replace(" ", "")

    def cancel_join(self) -> None:
        """Stop joining at the step's next check; its end says what became of it."""
        if self._join_job is None:
            return
        self.cancel_join_button.setEnabled(False)
        self._join_job.cancel()
        self.join_status.setText("Cancelling…")

    def _join_cancelled(self) -> None:
        self._join_step_ended()
        self.join_digits.clear()
        self.join_button.setEnabled(True)
        self.join_status.setText(
            "Cancelled: this company is as it was, not part of any shop. To try again, show a "
            "new code on the other device and type it here."
        )
        self.join_code.setFocus()
        self.join_code.selectAll()

    def _join_finished(self, m: Membership) -> None:
        # The keys were taken before a late Cancel was seen: the join is whole, say so.
        late = "The approval came before the cancel. " if self._join_step_ended() else ""
        self.join_status.setText(
            f"{late}Paired: this device now syncs with the shop and issues numbers with series "
            f"{m.series_prefix}."
        )
        self.membership_changed.emit()
        self.refresh()

    def _join_failed(self, exc: BaseException) -> None:
        cancelled = self._join_step_ended()
        self.join_button.setEnabled(True)
        self.join_digits.clear()
        if not _expected(exc):
            show_error(self, exc)
            return
        if cancelled:
            self._join_cancelled()  # it failed while stopping: cancelled is what the user asked
            return
        self.join_status.setText(str(exc))
