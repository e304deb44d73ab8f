"""Return periods: a month, or a quarter under QRMP (gst.md §7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.errors import ValidationError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")  # quarter of the financial year starting that April


@dataclass(frozen=True)
class ReturnPeriod:
    start: date
    end: date
    quarterly: bool = False

    @property
    def fp(self) -> str:
        """The portal's period, MMYYYY; under QRMP the quarter's last month."""
        return f"{self.end.month:02d}{self.end.year}"

    @property
    def label(self) -> str:
        if self.quarterly:
            return f"{self.start:%b %Y} to {self.end:%b %Y}"
        return f"{self.start:%B %Y}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def month_period(year: int, month: int) -> ReturnPeriod:
    return ReturnPeriod(date(year, month, 1), _month_end(year, month))


def parse_period(text: str) -> ReturnPeriod:
    """'2025-04' is April 2025; '2025-Q1' is April to June 2025 (the FY 2025-26's first)."""
    cleaned = text.strip()
    if match := _MONTH.match(cleaned):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and year >= 2017:  # GST began on 1 July 2017
            return month_period(year, month)
    elif match := _QUARTER.match(cleaned):
        fy_year, quarter = int(match[1]), int(match[2])
        first_month = 4 + 3 * (quarter - 1)
        year = fy_year + (first_month - 1) // 12
        first_month = (first_month - 1) % 12 + 1
        last = month_period(year, first_month + 2)
        return ReturnPeriod(date(year, first_month, 1), last.end, quarterly=True)
    raise ValidationError(
        f"{text!r} is not a return period; write a month as 2025-04 or a quarter of the "
        "financial year as 2025-Q1 (April to June 2025)."
    )
