"""The GST page's dialogs: marking a return filed, and the seller's PIN and town for e-invoices.

Both open with ``open()`` (modal to the window, never blocking the event loop) and hand what
was typed to a callback; the page does the work through the runner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.gst.periods import ReturnPeriod
from app.ui.widgets import DateField

_PIN = re.compile(r"^[1-9][0-9]{5}$")
MAX_ARN = 20  # the portal's ARN has 15 characters; leave room, refuse nonsense


class MarkFiledDialog(QDialog):
    """Which return, the date it was filed and its ARN; says plainly that it locks the period."""

    def __init__(
        self,
        period: ReturnPeriod,
        open_returns: Sequence[str],
        on_accept: Callable[[str, date, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("markFiledDialog")
        self.setWindowTitle(f"Mark filed: {period.label}")
        self.period = period
        self._on_accept = on_accept
        self.return_type = QComboBox()
        self.return_type.setObjectName("filedReturn")
        self.return_type.addItems(list(open_returns))
        self.filed_on = DateField(min(date.today(), max(period.end, period.start)))
        self.filed_on.setObjectName("filedOn")
        self.arn = QLineEdit()
        self.arn.setObjectName("filedArn")
        self.arn.setMaxLength(MAX_ARN)
        self.arn.setPlaceholderText("ARN from the portal's acknowledgement")
        self.problem = QLabel()
        self.problem.setObjectName("filedProblem")
        self.problem.setStyleSheet("color: #b91c1c;")
        warning = QLabel(
            f"Marking a return filed <b>locks {period.label}</b>: the documents it covers can "
            "no longer be posted, back-dated into it or cancelled (GSTR-1: sales and notes to "
            "customers; GSTR-3B: purchases). Corrections then go as credit or debit notes in "
            "a later period, as the law expects. This cannot be undone here."
        )
        warning.setObjectName("filedWarning")
        warning.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Return", self.return_type)
        form.addRow("&Filed on", self.filed_on)
        form.addRow("&ARN", self.arn)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Mark filed and &lock")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(warning)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(480, 0)

    def _accept(self) -> None:
        filed_on = self.filed_on.value()
        arn = self.arn.text().strip().upper()
        if filed_on is None:
            self.problem.setText("Type the filing date as dd-mm-yyyy.")
            self.filed_on.setFocus()
            return
        if filed_on < self.period.start:
            self.problem.setText("A return cannot be filed before its period begins.")
            self.filed_on.setFocus()
            return
        if filed_on > date.today():
            self.problem.setText("The filing date is in the future; type the date it was filed.")
            self.filed_on.setFocus()
            return
        if arn and not arn.isalnum():
            self.problem.setText("The ARN has only letters and digits, as the portal shows it.")
            self.arn.setFocus()
            return
        self.accept()
        self._on_accept(self.return_type.currentText(), filed_on, arn)


class SellerDialog(QDialog):
    """The two parts of the seller's address the e-invoice needs that the profile lacks."""

    def __init__(
        self,
        pin: str,
        town: str,
        on_accept: Callable[[str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sellerDialog")
        self.setWindowTitle("Your PIN code and town")
        self._on_accept = on_accept
        self.pin = QLineEdit(pin)
        self.pin.setObjectName("sellerPin")
        self.pin.setMaxLength(6)
        self.town = QLineEdit(town)
        self.town.setObjectName("sellerTown")
        self.town.setMaxLength(50)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b91c1c;")
        note = QLabel(
            "The e-invoice names the seller's PIN code and town. They are kept with the "
            "company, so you are asked only once."
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&PIN code", self.pin)
        form.addRow("&Town or city", self.town)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        pin = self.pin.text().strip()
        town = " ".join(self.town.text().split())
        if not _PIN.match(pin):
            self.problem.setText("The PIN code has 6 digits and does not start with 0.")
            self.pin.setFocus()
            return
        if not 3 <= len(town) <= 50:
            self.problem.setText("Type the town or city (3 to 50 characters).")
            self.town.setFocus()
            return
        self.accept()
        self._on_accept(pin, town)
