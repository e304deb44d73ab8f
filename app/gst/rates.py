"""GST rates as dated data (gst.md §2.3): which rates were in force on a date.

The rate on an invoice is decided by its time of supply, so rates are looked up by date, not
hard-coded. Data lives in ``resources/gst/rates.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from app.errors import ValidationError
from app.gst.data_files import load_json

GST_START = date(2017, 7, 1)


class NoRateSchedule(ValidationError):
    """A date before GST began, for which no rates exist."""


@dataclass(frozen=True)
class RateSchedule:
    """The GST rates in force over one period."""

    name: str
    effective_from: date
    effective_to: date | None  # inclusive; None while still in force
    main_slabs: tuple[Decimal, ...]
    special_rates: tuple[Decimal, ...]
    general_cess: bool  # False after GST 2.0: compensation cess on specified tobacco only
    notes: str

    @property
    def rates(self) -> tuple[Decimal, ...]:
        """Every rate allowed in the period, ascending."""
        return tuple(sorted({*self.main_slabs, *self.special_rates}))

    def covers(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _rates(values: list[str]) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in values)


@cache
def rate_schedules() -> tuple[RateSchedule, ...]:
    """All schedules, oldest first."""
    rows = load_json("rates.json")["schedules"]
    schedules = tuple(
        RateSchedule(
            name=str(row["name"]),
            effective_from=date.fromisoformat(row["effective_from"]),
            effective_to=(date.fromisoformat(row["effective_to"]) if row["effective_to"] else None),
            main_slabs=_rates(row["main_slabs"]),
            special_rates=_rates(row["special_rates"]),
            general_cess=row["compensation_cess"] == "general",
            notes=str(row["notes"]),
        )
        for row in rows
    )
    return tuple(sorted(schedules, key=lambda schedule: schedule.effective_from))


def rate_schedule(on: date) -> RateSchedule:
    """The schedule in force on ``on``; raises NoRateSchedule before 1 July 2017."""
    for schedule in rate_schedules():
        if schedule.covers(on):
            return schedule
    raise NoRateSchedule(
        f"No GST rates for {on.isoformat()}: GST began on {GST_START.isoformat()}."
    )


def allowed_rates(on: date) -> tuple[Decimal, ...]:
    """The GST rates (percent) that can appear on an invoice dated ``on``."""
    return rate_schedule(on).rates


def rate_problem(rate: Decimal, on: date) -> str | None:
    """Why ``rate`` looks wrong for a supply on ``on``, or None when it is in the schedule.

    A warning, not an error: a credit note after 22-Sep-2025 may rightly carry the old rate
    of the invoice it corrects.
    """
    schedule = rate_schedule(on)
    if rate in schedule.rates:
        return None
    listed = ", ".join(f"{value}%" for value in schedule.rates)
    return f"{rate}% is not a GST rate under {schedule.name} on {on.isoformat()} ({listed})."
