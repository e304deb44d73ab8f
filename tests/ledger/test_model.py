"""Pure ledger rules: vouchers cannot be unbalanced, financial years, numbering text."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import ValidationError
from app.ledger.model import (
    AccountId,
    FinancialYear,
    Line,
    Nature,
    UnbalancedVoucher,
    Voucher,
    VoucherId,
    VoucherType,
    financial_year,
    voucher_digest,
    voucher_number_text,
)
from app.money import D

A, B, C = AccountId(1), AccountId(2), AccountId(3)
DAY = date(2025, 5, 1)


def _voucher(*amounts: str, kind: VoucherType = VoucherType.JOURNAL) -> Voucher:
    ids = [AccountId(i + 1) for i in range(len(amounts))]
    return Voucher(kind, DAY, tuple(Line(a, D(x)) for a, x in zip(ids, amounts, strict=True)))


def test_balanced_voucher_constructs() -> None:
    v = _voucher("100.00", "-60.00", "-40.00")
    assert v.total == D("100.00")
    assert [line.amount for line in v.lines] == [D("100.00"), D("-60.00"), D("-40.00")]


def test_debit_and_credit_helpers() -> None:
    assert Line.debit(A, D("5")) == Line(A, D("5"))
    assert Line.credit(A, D("5")) == Line(A, D("-5"))


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (("100.00", "-99.99"), "Debits and credits differ by 0.01 (debits are more)"),
        (("100.00", "-150.50"), "Debits and credits differ by 50.50 (credits are more)"),
        (("0.01", "0.01"), "Debits and credits differ by 0.02 (debits are more)"),
    ],
)
def test_unbalanced_voucher_is_refused(amounts: tuple[str, ...], message: str) -> None:
    with pytest.raises(UnbalancedVoucher) as caught:
        _voucher(*amounts)
    assert str(caught.value).startswith(message)
    assert "Correct the amounts" in str(caught.value)
    assert isinstance(caught.value, ValidationError)


@pytest.mark.parametrize("lines", [(), (Line(A, D("10")),)])
def test_needs_two_lines(lines: tuple[Line, ...]) -> None:
    with pytest.raises(UnbalancedVoucher, match="at least one debit and one credit"):
        Voucher(VoucherType.JOURNAL, DAY, lines)


def test_zero_line_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be zero"):
        _voucher("10.00", "-10.00", "0.00")


def test_more_than_two_decimals_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"Amount 10.005 has more than two decimals"):
        _voucher("10.005", "-10.005")


def test_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Voucher(VoucherType.JOURNAL, DAY, (Line(A, 10.0), Line(B, -10.0)))  # type: ignore[arg-type]


def test_long_narration_is_refused() -> None:
    lines = (Line(A, D("1")), Line(B, D("-1")))
    Voucher(VoucherType.JOURNAL, DAY, lines, narration="x" * 500)
    with pytest.raises(ValidationError, match="longer than 500"):
        Voucher(VoucherType.JOURNAL, DAY, lines, narration="x" * 501)


def test_voucher_is_frozen() -> None:
    v = _voucher("1.00", "-1.00")
    with pytest.raises(AttributeError):
        v.narration = "changed"  # type: ignore[misc]


def test_reversal_mirrors_every_line() -> None:
    v = Voucher(
        VoucherType.PAYMENT,
        DAY,
        (Line(A, D("70.00")), Line(B, D("30.00")), Line(C, D("-100.00"))),
        narration="rent",
        reference="R-1",
    )
    r = v.reversal(date(2025, 6, 1), VoucherId(7))
    assert r.lines == (Line(A, D("-70.00")), Line(B, D("-30.00")), Line(C, D("100.00")))
    assert r.reverses == VoucherId(7)
    assert r.posting_date == date(2025, 6, 1)
    assert r.narration == "Reversal of voucher 7"
    assert r.reference == "R-1"
    assert r.voucher_type is VoucherType.PAYMENT
    assert v.reversal(DAY, VoucherId(7), "oops").narration == "oops"


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2025, 4, 1), date(2025, 4, 1), date(2026, 3, 31), "2025-26"),
        (date(2026, 3, 31), date(2025, 4, 1), date(2026, 3, 31), "2025-26"),
        (date(2026, 4, 1), date(2026, 4, 1), date(2027, 3, 31), "2026-27"),
        (date(2024, 2, 29), date(2023, 4, 1), date(2024, 3, 31), "2023-24"),
        (date(1999, 12, 31), date(1999, 4, 1), date(2000, 3, 31), "1999-00"),
    ],
)
def test_financial_year(day: date, start: date, end: date, label: str) -> None:
    year = financial_year(day)
    assert year == FinancialYear(start, end)
    assert year.label == label


def test_financial_year_other_start_month() -> None:
    year = financial_year(date(2025, 3, 15), start_month=1)
    assert (year.start, year.end, year.label) == (date(2025, 1, 1), date(2025, 12, 31), "2025-25")


def test_voucher_number_text() -> None:
    fy = financial_year(date(2025, 7, 1))
    assert voucher_number_text(VoucherType.PAYMENT, fy, 17) == "PMT/2025-26/17"
    assert voucher_number_text(VoucherType.CREDIT_NOTE, fy, 1) == "CN/2025-26/1"
    assert len(voucher_number_text(VoucherType.PURCHASE, fy, 9999)) == 16


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("payment", VoucherType.PAYMENT),
        ("PMT", VoucherType.PAYMENT),
        ("credit-note", VoucherType.CREDIT_NOTE),
        ("credit_note", VoucherType.CREDIT_NOTE),
        (" jv ", VoucherType.JOURNAL),
    ],
)
def test_voucher_type_parse(text: str, kind: VoucherType) -> None:
    assert VoucherType.parse(text) is kind


def test_voucher_type_parse_unknown() -> None:
    with pytest.raises(ValidationError, match="Unknown voucher type 'bill'; use one of Journal"):
        VoucherType.parse("bill")


def test_nature_profit_and_loss() -> None:
    assert {n for n in Nature if n.in_profit_and_loss} == {Nature.INCOME, Nature.EXPENSE}


def test_digest_changes_with_every_field() -> None:
    base = ("Payment", 1, DAY, "n", "r", None, [(1, 100), (2, -100)])
    digest = voucher_digest(*base)  # type: ignore[arg-type]
    assert len(digest) == 64
    variants = [
        ("Receipt", *base[1:]),
        (base[0], 2, *base[2:]),
        (*base[:2], date(2025, 5, 2), *base[3:]),
        (*base[:3], "m", *base[4:]),
        (*base[:4], "s", *base[5:]),
        (*base[:5], 9, base[6]),
        (*base[:6], [(1, 101), (2, -101)]),
        (*base[:6], [(2, -100), (1, 100)]),
    ]
    for variant in variants:
        assert voucher_digest(*variant) != digest  # type: ignore[arg-type]
