"""Amounts, dates and rates as bills print them, parsed exactly (Decimal, never float).

Indian bills group digits in lakhs (1,23,456.00) and write dates day first (05/04/2025,
05-04-2025, 5 Apr 2025, 05.04.25). Some foreign bills use a comma for the decimal point
(56,02 €); a comma followed by exactly two digits at the end is read that way.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from app.money import D

_CURRENCY_MARKS = re.compile(r"(?i)(₹|rs\.?|inr|usd|eur|\$|€|£)")
# 1,23,456.78 (lakh grouping) | 123,456.78 | 123456.78 | 45.9
_DOT_DECIMAL = re.compile(r"^(?:\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")
_COMMA_DECIMAL = re.compile(r"^\d{1,3}(?:\.\d{3})*,\d{2}$|^\d+,\d{2}$")
AMOUNT_TOKEN = re.compile(
    r"(?<![\w/.-])\(?-?(?:₹|Rs\.?|INR|\$|€)?\s?-?\d[\d,]*(?:[.,]\d{1,2})?\)?(?:\s?€)?(?![\w/%])"
)


def parse_amount(text: str) -> Decimal | None:
    """The amount in ``text`` ('₹1,23,456.50', '(0.40)', '-0.45', '56,02 €'), or None."""
    cleaned = _CURRENCY_MARKS.sub("", text).strip().rstrip(":").strip()
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
    if cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:].strip()
    elif cleaned.startswith("+"):
        cleaned = cleaned[1:].strip()
    cleaned = cleaned.replace(" ", "")
    if _DOT_DECIMAL.match(cleaned):
        value = D(cleaned.replace(",", ""))
    elif _COMMA_DECIMAL.match(cleaned):
        value = D(cleaned.replace(".", "").replace(",", "."))
    else:
        return None
    return -value if negative else value


def parse_rate(text: str) -> Decimal | None:
    """A percentage such as '9%', '@ 9 %', '2.5%' as Decimal('9'), or None."""
    match = re.search(r"(\d{1,2}(?:\.\d{1,2})?)\s?%", text)
    if not match:
        return None
    return D(match.group(1)).normalize() if "." in match.group(1) else D(match.group(1))


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janvier", "januari"),
            ("feb", "february", "fevrier", "février", "februari"),
            ("mar", "march", "mars", "maart"),
            ("apr", "april", "avril"),
            ("may", "mai", "mei"),
            ("jun", "june", "juin", "juni"),
            ("jul", "july", "juillet", "juli"),
            ("aug", "august", "aout", "août", "augustus"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre", "okt", "oktober"),
            ("nov", "november", "novembre"),
            ("dec", "december", "décembre", "decembre"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_WORD = r"[A-Za-zéû]{3,10}\.?"
# Numeric dates, day first; the year has 4 or 2 digits.
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s?([/.\-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# 5 Apr 2025 | 05-Apr-2025 | 5th April, 2025 | 05-Apr-25
_DAY_MONTH = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]*({_MONTH_WORD})[\s\-/.,]*(\d{{4}}|\d{{2}})(?!\d)"
)
# Apr 5, 2025 | August 3 , 2014
_MONTH_DAY = re.compile(
    rf"(?<![A-Za-z])({_MONTH_WORD})\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})(?!\d)"
)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year  # bills are dated this century


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every date in ``text`` with its start and end offsets, in order."""
    found: list[tuple[date, int, int]] = []
    for match in _ISO.finditer(text):
        made = _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if made:
            found.append((made, match.start(), match.end()))
    for match in _NUMERIC.finditer(text):
        if any(s <= match.start() < e for _, s, e in found):
            continue
        made = _make(_year(match.group(4)), int(match.group(3)), int(match.group(1)))
        if made:
            found.append((made, match.start(), match.end()))
    for match in _DAY_MONTH.finditer(text):
        month = _MONTHS.get(match.group(2).lower().rstrip("."))
        if month and not any(s <= match.start() < e for _, s, e in found):
            made = _make(_year(match.group(3)), month, int(match.group(1)))
            if made:
                found.append((made, match.start(), match.end()))
    for match in _MONTH_DAY.finditer(text):
        month = _MONTHS.get(match.group(1).lower().rstrip("."))
        if month and not any(s <= match.start() < e for _, s, e in found):
            made = _make(int(match.group(3)), month, int(match.group(2)))
            if made:
                found.append((made, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


def parse_date(text: str) -> date | None:
    """The first date in ``text``, day first, or None."""
    found = find_dates(text)
    return found[0][0] if found else None


def currency_of(text: str) -> str | None:
    """The ISO code of the currency marks in ``text``: INR for ₹/Rs/INR, then USD, EUR."""
    if re.search(r"₹|\bRs\b\.?|\bINR\b|\bRupees\b", text):
        return "INR"
    if re.search(r"\bUSD\b|US\s?\$|\$", text):
        return "USD"
    if re.search(r"€|\bEUR\b", text):
        return "EUR"
    return None


def decimal_text(value: Decimal) -> str:
    """How a rate prints in JSON: '9', '2.5', never '9.00' or '2.50'."""
    normal = value.normalize()
    return f"{normal:f}"
