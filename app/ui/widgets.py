"""Small widgets shared by pages: a typed date field, text for amounts, status lines and the
way a page shows a failed job."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from app.money import format_inr
from app.storage.company import Company
from app.ui.ops import Runner, error_text, show_error

BAD = "color: #b91c1c;"  # style of a fault or of what to fix
GOOD = "color: #065f46;"  # style of a check passed or of work done

_DATE = re.compile(r"^\s*(\d{1,2})\s*[-/. ]\s*(\d{1,2})(?:\s*[-/. ]\s*(\d{2}|\d{4}))?\s*$")


def parse_date(text: str, today: date) -> date | None:
    """'5-4', '05/04/25' or '05-04-2025' as accountants type them (day first); None if not."""
    found = _DATE.match(text)
    if not found:
        return None
    day, month, year_text = int(found[1]), int(found[2]), found[3]
    year = today.year if year_text is None else int(year_text)
    if year_text is not None and len(year_text) == 2:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


class DateField(QLineEdit):
    """A date typed day first (Tab-friendly, unlike a spin box with sections)."""

    def __init__(self, value: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("dd-mm-yyyy")
        self.setMaximumWidth(130)
        self._value = value
        self.set_date(value)
        self.editingFinished.connect(self._normalise)

    def value(self) -> date | None:
        return parse_date(self.text(), self._value)

    def set_date(self, value: date) -> None:
        self._value = value
        self.setText(f"{value:%d-%m-%Y}")

    def _normalise(self) -> None:
        parsed = self.value()
        if parsed is not None:
            self.set_date(parsed)


def amount_text(amount: Decimal | None) -> str:
    return "" if amount is None or amount == 0 else format_inr(amount)


def dr_cr(amount: Decimal) -> str:
    """A balance as Tally shows it: 12,000.00 Dr or 5,000.00 Cr."""
    if amount == 0:
        return "0.00"
    return f"{format_inr(abs(amount))} {'Dr' if amount > 0 else 'Cr'}"


def show_failure(parent: QWidget, exc: BaseException, say: Callable[[str], None]) -> None:
    """An expected error (``AppError``) said in the page's own words; anything else as the
    crash dialog."""
    text = error_text(exc)
    if text is None:
        show_error(parent, exc)
    else:
        say(text)


def problems_label(name: str) -> QLabel:
    """The red line under a form that names what to fix before it can be saved."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(BAD)
    return label


def save_cancel_buttons(
    dialog: QDialog, save: Callable[[], None]
) -> tuple[QDialogButtonBox, QPushButton]:
    """A form's Save and Cancel: Save calls ``save``, Cancel rejects the dialog."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    return buttons, buttons.button(QDialogButtonBox.StandardButton.Save)


class StatusTab(QWidget):
    """A tab that runs its work on the runner and says the outcome (green) or what to fix
    (red) in a status line under its forms."""

    def __init__(self, company: Company, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = company
        self.runner = runner
        self.status = QLabel()
        self.status.setWordWrap(True)

    def say(self, text: str, ok: bool = True) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(GOOD if ok else BAD)

    def failed(self, exc: BaseException) -> None:
        show_failure(self, exc, lambda text: self.say(text, ok=False))
