"""app.money: exact parsing, paise, rounding and Indian presentation (DESIGN.md §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.money import (
    ZERO,
    D,
    amount_in_words,
    format_inr,
    from_paise,
    has_at_most_paise,
    round_paise,
    round_quantity,
    round_rupee,
    to_paise,
)


class TestD:
    def test_parses_strings_exactly(self) -> None:
        assert D("12.50") == Decimal("12.50")
        assert str(D("12.50")) == "12.50"
        assert D(" 7 ") == Decimal(7)

    def test_strips_grouping_commas(self) -> None:
        assert D("12,34,567.50") == Decimal("1234567.50")

    def test_accepts_int_and_decimal(self) -> None:
        assert D(42) == Decimal(42)
        assert D(Decimal("0.01")) == Decimal("0.01")

    @pytest.mark.parametrize("value", [1.5, 0.1, float("nan"), True, False])
    def test_refuses_floats_and_bools(self, value: object) -> None:
        with pytest.raises(TypeError, match="float or bool"):
            D(value)  # type: ignore[arg-type]

    @pytest.mark.parametrize("value", ["abc", "", "1.2.3", "NaN", "Infinity", "-inf"])
    def test_refuses_non_amounts(self, value: str) -> None:
        with pytest.raises(ValueError, match="not an amount"):
            D(value)

    def test_refuses_other_types(self) -> None:
        with pytest.raises(TypeError, match="cannot make an amount from list"):
            D([1])  # type: ignore[arg-type]


class TestPaise:
    @pytest.mark.parametrize(
        ("amount", "paise"),
        [("12.34", 1234), ("0.01", 1), ("-0.01", -1), ("100", 10000), ("5.5", 550), ("0", 0)],
    )
    def test_to_paise(self, amount: str, paise: int) -> None:
        assert to_paise(D(amount)) == paise

    @pytest.mark.parametrize("amount", ["1.005", "0.001", "-12.345"])
    def test_to_paise_refuses_three_decimals(self, amount: str) -> None:
        with pytest.raises(ValueError, match="more than two decimal places"):
            to_paise(D(amount))

    def test_to_paise_refuses_non_decimal(self) -> None:
        with pytest.raises(TypeError):
            to_paise(12.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            to_paise(12)  # type: ignore[arg-type]

    def test_to_paise_refuses_nan(self) -> None:
        with pytest.raises(ValueError):
            to_paise(Decimal("NaN"))

    def test_from_paise_has_two_places(self) -> None:
        assert str(from_paise(1234)) == "12.34"
        assert str(from_paise(100)) == "1.00"
        assert str(from_paise(-5)) == "-0.05"
        assert str(from_paise(0)) == "0.00"

    @given(st.integers(min_value=-(10**15), max_value=10**15))
    def test_round_trip(self, paise: int) -> None:
        assert to_paise(from_paise(paise)) == paise

    def test_has_at_most_paise(self) -> None:
        assert has_at_most_paise(D("1.10"))
        assert has_at_most_paise(D("1.100"))  # trailing zero is still whole paise
        assert not has_at_most_paise(D("1.101"))


class TestRounding:
    @pytest.mark.parametrize(
        ("amount", "rounded"),
        [
            ("2.675", "2.68"),
            ("2.665", "2.67"),
            ("0.005", "0.01"),
            ("-0.005", "-0.01"),
            ("1.004", "1.00"),
        ],
    )
    def test_round_paise_half_up(self, amount: str, rounded: str) -> None:
        assert round_paise(D(amount)) == D(rounded)
        assert str(round_paise(D(amount))) == rounded

    @pytest.mark.parametrize(
        ("amount", "rounded"), [("2.5", "3"), ("2.49", "2"), ("-2.5", "-3"), ("100.50", "101")]
    )
    def test_round_rupee_half_up(self, amount: str, rounded: str) -> None:
        assert round_rupee(D(amount)) == D(rounded)

    def test_round_quantity(self) -> None:
        assert str(round_quantity(D("1.2345"))) == "1.235"
        assert str(round_quantity(D("2"))) == "2.000"

    def test_zero(self) -> None:
        assert str(ZERO) == "0.00"


class TestFormatInr:
    @pytest.mark.parametrize(
        ("amount", "text"),
        [
            ("1234567.5", "12,34,567.50"),
            ("0", "0.00"),
            ("0.5", "0.50"),
            ("7", "7.00"),
            ("999", "999.00"),
            ("1000", "1,000.00"),
            ("99999.99", "99,999.99"),
            ("100000", "1,00,000.00"),
            ("10000000", "1,00,00,000.00"),
            ("12345678901.23", "12,34,56,78,901.23"),
            ("-1234567.5", "-12,34,567.50"),
            ("-0.05", "-0.05"),
            ("-999", "-999.00"),
            ("0.005", "0.01"),
            ("-0.001", "0.00"),
        ],
    )
    def test_lakh_crore_grouping(self, amount: str, text: str) -> None:
        assert format_inr(D(amount)) == text

    def test_symbol(self) -> None:
        assert format_inr(D("1500"), symbol=True) == "₹1,500.00"
        assert format_inr(D("-1500"), symbol=True) == "-₹1,500.00"


class TestAmountInWords:
    @pytest.mark.parametrize(
        ("amount", "words"),
        [
            ("120000.50", "Rupees One Lakh Twenty Thousand and Fifty Paise Only"),
            ("0", "Rupees Zero Only"),
            ("1", "Rupees One Only"),
            ("21.05", "Rupees Twenty-One and Five Paise Only"),
            ("0.99", "Rupees Zero and Ninety-Nine Paise Only"),
            ("100", "Rupees One Hundred Only"),
            ("1010", "Rupees One Thousand Ten Only"),
            (
                "12345678",
                "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand "
                "Six Hundred Seventy-Eight Only",
            ),
            ("1000000000", "Rupees One Hundred Crore Only"),
            ("-5", "Minus Rupees Five Only"),
            ("1.999", "Rupees Two Only"),
        ],
    )
    def test_examples(self, amount: str, words: str) -> None:
        assert amount_in_words(D(amount)) == words
