"""Amounts, dates and rates as bills print them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.documents.printed import currency_of, find_dates, parse_amount, parse_date, parse_rate
from app.money import format_inr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,23,456.78", "123456.78"),
        ("₹ 1,23,456.78", "123456.78"),
        ("Rs. 1,180.00", "1180.00"),
        ("INR 99", "99"),
        ("123,456.78", "123456.78"),
        ("4.11", "4.11"),
        ("$4.11", "4.11"),
        ("(0.40)", "-0.40"),
        ("-0.45", "-0.45"),
        ("+0.07", "0.07"),
        ("56,02 €", "56.02"),  # a decimal comma
        ("€ 717,97", "717.97"),
        ("1.234,56", "1234.56"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["12,3", "abc", "1,2345.00", "", "9%"])
def test_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_indian_grouping_reads_back_exactly(paise: int) -> None:
    amount = Decimal(paise) / 100
    assert parse_amount(format_inr(amount, symbol=True)) == amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/04/2025", date(2025, 4, 5)),  # day first, as Indian bills print it
        ("05-04-2025", date(2025, 4, 5)),
        ("05.04.25", date(2025, 4, 5)),
        ("5 Apr 2025", date(2025, 4, 5)),
        ("05-Apr-2025", date(2025, 4, 5)),
        ("5th April, 2025", date(2025, 4, 5)),
        ("05-Apr-25", date(2025, 4, 5)),
        ("April 5, 2025", date(2025, 4, 5)),
        ("August 3 , 2014", date(2014, 8, 3)),
        ("2025-04-05", date(2025, 4, 5)),
        ("19 april 2014", date(2014, 4, 19)),
        ("Dated: 31/03/2026 10:15", date(2026, 3, 31)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_impossible_dates_are_not_dates() -> None:
    assert parse_date("31/02/2025") is None
    assert parse_date("13/13/2025") is None
    assert parse_date("Invoice 1234") is None


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_in_every_format_read_back(day: date) -> None:
    for text in (
        f"{day:%d/%m/%Y}",
        f"{day:%d-%m-%Y}",
        f"{day:%d.%m.%y}",
        f"{day.day} {day:%b %Y}",
        f"{day:%d-%b-%y}",
        f"{day:%B} {day.day}, {day:%Y}",
    ):
        found = find_dates(f"Date: {text} ")
        assert found and found[0][0] == day, text


def test_rates_and_currency() -> None:
    assert parse_rate("CGST @ 9%") == Decimal("9")
    assert parse_rate("IGST 2.5 %") == Decimal("2.5")
    assert parse_rate("CGST") is None
    assert currency_of("Grand Total ₹ 1,180.00") == "INR"
    assert currency_of("Total Rs. 100") == "INR"
    assert currency_of("Total $4.11") == "USD"
    assert currency_of("Totaal € 717,97") == "EUR"
    assert currency_of("Total 100") is None
