"""Periods named in questions ("last week", "is mahine", "kal", "Q1", "April") as dates.

Everything is relative to a given ``today`` (the user's business date, never the clock's
inside this module). Years and quarters are financial ones: "this year" is the financial
year so far and Q1 is April to June when the year starts in April. "kal" means yesterday:
questions about the books look back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.errors import ValidationError
from app.ledger.model import financial_year


class Span(StrEnum):
    """The kind of period, so that "compare" can take the one before it."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str
    span: Span = Span.RANGE

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError(
                f"The period starts on {self.start:%d-%m-%Y}, after it ends on "
                f"{self.end:%d-%m-%Y}. Give the earlier date first."
            )

    def as_args(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_WORDS = {name: index + 1 for index, name in enumerate(MONTHS)}
_MONTH_WORDS.update({name[:3]: index + 1 for index, name in enumerate(MONTHS)})
_MONTH_WORDS.update({"sept": 9, "aprail": 4, "farvari": 2, "janvari": 1, "agast": 8})
del _MONTH_WORDS["may"]  # "may" is also a verb; accepted below only before a year or "mein"
_MONTH_PATTERN = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))

# Named periods the model may choose (grammar enum) and the phrases that mean them.
NAMED_PERIODS = (
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
    "last_7_days",
    "last_30_days",
    *(f"q{n}" for n in range(1, 5)),
    *MONTHS,
)

_PHRASES: tuple[tuple[str, str], ...] = (
    (r"day before yesterday|parso|parson", "day_before_yesterday"),
    (r"today|aaj|aj|abhi tak aaj", "today"),
    (r"yesterday|kal|kall", "yesterday"),
    (r"(?:this|is|iss|current) (?:week|hafte|hafta)", "this_week"),
    (
        r"(?:last|previous|pichle|pichhle|pichla|pichhla|past) (?:week|hafte|hafta)"
        r"|week before",
        "last_week",
    ),
    (r"(?:this|is|iss|current) (?:month|mahine|mahina|maheene)|month to date|mtd", "this_month"),
    (
        r"(?:last|previous|pichle|pichhle|pichla|pichhla|past) (?:month|mahine|mahina|maheene)",
        "last_month",
    ),
    (r"(?:this|is|iss|current) (?:quarter|timahi)", "this_quarter"),
    (r"(?:last|previous|pichle|pichhle|past) (?:quarter|timahi)", "last_quarter"),
    (
        r"(?:this|is|iss|current) (?:financial year|fy|year|saal|sal|varsh)"
        r"|year to date|ytd|so far this year|ab tak",
        "this_year",
    ),
    (
        r"(?:last|previous|pichle|pichhle|pichla|pichhla) (?:financial year|fy|year|saal|sal)",
        "last_year",
    ),
)
_COMPILED = tuple((re.compile(rf"\b(?:{p})\b"), name) for p, name in _PHRASES)
_LAST_N_DAYS = re.compile(
    r"\b(?:last|past|pichle|pichhle|previous)\s+(\d{1,3})\s+(?:days|din|dino|dinon)\b"
)
_QUARTER = re.compile(r"\bq([1-4])\b|\b(first|second|third|fourth) quarter\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_PATTERN}|may)\b(?:\s+(\d{{4}}))?"
)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_PATTERN}|may)\b(?:\s+(\d{{4}})\b)?")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


@dataclass(frozen=True)
class Found:
    period: Period
    at: int  # where in the text, so that several periods keep their order
    length: int


def month_period(year: int, month: int, today: date) -> Period:
    start = date(year, month, 1)
    end = _month_end(start)
    return Period(start, min(end, max(today, start)), f"{start:%B %Y}", Span.MONTH)


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def named_period(  # noqa: PLR0911, PLR0912  (one flat branch per named period)
    name: str, today: date, fy_start_month: int = 4
) -> Period:
    """The dates of a named period (one of NAMED_PERIODS) as of ``today``."""
    year = financial_year(today, fy_start_month)
    if name == "today":
        return Period(today, today, "today", Span.DAY)
    if name == "yesterday":
        day = today - timedelta(days=1)
        return Period(day, day, "yesterday", Span.DAY)
    if name == "day_before_yesterday":
        day = today - timedelta(days=2)
        return Period(day, day, f"{day:%d-%m-%Y}", Span.DAY)
    if name == "this_week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday, today, "this week", Span.WEEK)
    if name == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(monday, monday + timedelta(days=6), "last week", Span.WEEK)
    if name == "this_month":
        return Period(today.replace(day=1), today, "this month", Span.MONTH)
    if name == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, f"{end:%B %Y}", Span.MONTH)
    if name in ("this_quarter", "last_quarter"):
        index = _quarter_index(today, year.start)
        start = _add_months(year.start, 3 * index)
        if name == "this_quarter":
            return Period(start, today, "this quarter", Span.QUARTER)
        previous = _add_months(start, -3)
        return Period(previous, start - timedelta(days=1), "last quarter", Span.QUARTER)
    if name == "this_year":
        return Period(year.start, today, f"FY {year.label} so far", Span.YEAR)
    if name == "last_year":
        before = financial_year(year.start - timedelta(days=1), fy_start_month)
        return Period(before.start, before.end, f"FY {before.label}", Span.YEAR)
    if name in ("last_7_days", "last_30_days"):
        days = 7 if name == "last_7_days" else 30
        return Period(today - timedelta(days=days - 1), today, f"the last {days} days")
    if re.fullmatch(r"q[1-4]", name):
        return quarter_period(int(name[1]), today, fy_start_month)
    if name in MONTHS:
        return recent_month(MONTHS.index(name) + 1, today)
    raise ValidationError(f"Unknown period {name!r}; use one of {', '.join(NAMED_PERIODS)}.")


def quarter_period(number: int, today: date, fy_start_month: int = 4) -> Period:
    """Quarter ``number`` of this financial year, or of the last one if it has not begun."""
    year = financial_year(today, fy_start_month)
    start = _add_months(year.start, 3 * (number - 1))
    if start > today:
        start = _add_months(start, -12)
    end = _add_months(start, 3) - timedelta(days=1)
    label = f"Q{number} of FY {financial_year(start, fy_start_month).label}"
    return Period(start, min(end, max(today, start)), label, Span.QUARTER)


def recent_month(month: int, today: date) -> Period:
    """The latest such month that has begun: "April" in March 2026 is April 2025."""
    year = today.year if month <= today.month else today.year - 1
    return month_period(year, month, today)


def _quarter_index(day: date, year_start: date) -> int:
    months = (day.year - year_start.year) * 12 + day.month - year_start.month
    return months // 3


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def find_periods(  # noqa: PLR0912  (one loop per way of naming a period)
    text: str, today: date, fy_start_month: int = 4
) -> list[Found]:
    """Every period named in the (lower-case) text, in the order they appear."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(period: Period, match: re.Match[str]) -> None:
        span = match.span()
        if any(span[0] < end and start < span[1] for start, end in taken):
            return
        taken.append(span)
        found.append(Found(period, span[0], span[1] - span[0]))

    for match in _ISO.finditer(text):
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise ValidationError(f"{match[0]} is not a real date.") from None
        add(Period(day, day, f"{day:%d-%m-%Y}", Span.DAY), match)
    for match in _LAST_N_DAYS.finditer(text):
        days = int(match[1])
        if days < 1:
            continue
        add(Period(today - timedelta(days=days - 1), today, f"the last {days} days"), match)
    for match in _DAY_MONTH.finditer(text):
        month = _MONTH_WORDS.get(match[2], 5)
        year = int(match[3]) if match[3] else None
        try:
            day = date(year or today.year, month, int(match[1]))
            if year is None and day > today:
                day = day.replace(year=day.year - 1)
        except ValueError:
            raise ValidationError(f"{match[0]!r} is not a real date.") from None
        add(Period(day, day, f"{day:%d-%m-%Y}", Span.DAY), match)
    for pattern, name in _COMPILED:
        for match in pattern.finditer(text):
            add(named_period(name, today, fy_start_month), match)
    for match in _QUARTER.finditer(text):
        number = int(match[1]) if match[1] else _ORDINALS[match[2]]
        add(quarter_period(number, today, fy_start_month), match)
    for match in _MONTH_YEAR.finditer(text):
        if (
            match[1] == "may"
            and not match[2]
            and not re.match(r"\s+(?:mein|me|main)\b", text[match.end() :])
        ):
            continue
        month = _MONTH_WORDS.get(match[1], 5)
        if match[2]:
            add(month_period(int(match[2]), month, today), match)
        else:
            add(recent_month(month, today), match)
    found.sort(key=lambda f: f.at)
    return _join_ranges(found, text)


def _join_ranges(found: list[Found], text: str) -> list[Found]:
    """'from X to Y' / 'between X and Y' / 'X se Y tak' is one period from X's start to Y's end."""
    joined: list[Found] = []
    index = 0
    while index < len(found):
        here = found[index]
        if index + 1 < len(found):
            after = found[index + 1]
            gap = text[here.at + here.length : after.at].strip()
            between = text[: here.at].rstrip().endswith("between") and gap == "and"
            if (gap in ("to", "se", "till", "until", "-", "–") or between) and (
                here.period.start <= after.period.end
            ):
                period = Period(
                    here.period.start,
                    after.period.end,
                    f"{here.period.start:%d-%m-%Y} to {after.period.end:%d-%m-%Y}",
                )
                joined.append(Found(period, here.at, after.at + after.length - here.at))
                index += 2
                continue
        joined.append(here)
        index += 1
    return joined


def period_before(period: Period, fy_start_month: int = 4) -> Period:
    """The period of the same kind just before: the month before a month, and so on."""
    if period.span is Span.MONTH:
        start = _add_months(period.start.replace(day=1), -1)
        end = start + (period.end - period.start)
        return Period(start, min(end, _month_end(start)), f"{start:%B %Y}", Span.MONTH)
    if period.span is Span.QUARTER:
        start = _add_months(period.start, -3)
        end = start + (period.end - period.start)
        return Period(
            start,
            min(end, _add_months(start, 3) - timedelta(days=1)),
            "the quarter before",
            Span.QUARTER,
        )
    if period.span is Span.YEAR:
        start = _add_months(period.start, -12)
        try:
            end = period.end.replace(year=period.end.year - 1)
        except ValueError:  # 29 February
            end = period.end.replace(year=period.end.year - 1, day=28)
        label = f"FY {financial_year(start, fy_start_month).label}"
        return Period(start, end, label, Span.YEAR)
    length = 7 if period.span is Span.WEEK else (period.end - period.start).days + 1
    start = period.start - timedelta(days=length)
    end = start + (period.end - period.start)
    return Period(start, end, f"{start:%d-%m-%Y} to {end:%d-%m-%Y}", period.span)
