"""Small widgets shared by pages: a typed date field and text for amounts."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.money import format_inr

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


def placeholder_page(title: str, text: str) -> QWidget:
    """A page for a module not built yet: it says what the module will do."""
    page = QWidget()
    layout = QVBoxLayout(page)
    heading = QLabel(f"<h2>{title}</h2>")
    body = QLabel(text)
    body.setWordWrap(True)
    body.setStyleSheet("font-size: 14px;")
    body.setMaximumWidth(640)
    soon = QLabel("<i>Coming in a later release.</i>")
    layout.addWidget(heading)
    layout.addWidget(body)
    layout.addWidget(soon)
    layout.addStretch(1)
    return page
