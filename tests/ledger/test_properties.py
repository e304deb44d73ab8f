"""Hypothesis properties for the invariants of DESIGN.md §4."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.ledger import queries
from app.ledger.checks import check_books
from app.ledger.model import AccountId, Line, UnbalancedVoucher, Voucher, VoucherType
from app.ledger.service import post_vouchers
from app.ledger.tables import postings
from app.money import ZERO
from app.storage.company import Company
from app.storage.types import raw_paise
from tests.conftest import CompanyFactory
from tests.factories import rupees

FY_START, FY_END = date(2025, 4, 1), date(2026, 3, 31)
# Types without cash/bank rules, so any accounts from the chart make a postable voucher.
FREE_TYPES = (
    VoucherType.JOURNAL,
    VoucherType.SALES,
    VoucherType.PURCHASE,
    VoucherType.CREDIT_NOTE,
    VoucherType.DEBIT_NOTE,
)

paise = st.integers(min_value=1, max_value=10**11)
days = st.integers(min_value=0, max_value=(FY_END - FY_START).days).map(
    lambda n: FY_START + timedelta(days=n)
)


@st.composite
def balanced_lines(draw: st.DrawFn, account_ids: tuple[AccountId, ...]) -> tuple[Line, ...]:
    debits = draw(st.lists(paise, min_size=1, max_size=3))
    total = sum(debits)
    cuts = draw(
        st.lists(st.integers(min_value=1, max_value=max(1, total - 1)), max_size=2, unique=True)
    )
    cuts = sorted(c for c in cuts if 0 < c < total)
    bounds = [0, *cuts, total]
    credits = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
    amounts = [*debits, *(-c for c in credits)]
    order = draw(st.permutations(range(len(amounts))))
    pick = st.sampled_from(account_ids)
    return tuple(Line(draw(pick), rupees(amounts[i])) for i in order)


@st.composite
def vouchers(draw: st.DrawFn, account_ids: tuple[AccountId, ...]) -> Voucher:
    return Voucher(
        draw(st.sampled_from(FREE_TYPES)),
        draw(days),
        draw(balanced_lines(account_ids)),
        narration=draw(st.text(max_size=30)),
    )


@dataclass
class Books:
    """One company shared by every example of a test, and what its accounts should hold."""

    company: Company
    account_ids: tuple[AccountId, ...]
    expected: defaultdict[AccountId, Decimal] = field(
        default_factory=lambda: defaultdict(lambda: ZERO)
    )


@pytest.fixture
def books(make_company: CompanyFactory) -> Books:
    company = make_company()
    with company.reader() as conn:
        ids = tuple(a.id for a in queries.chart(conn))
    assert len(ids) == 38
    return Books(company, ids)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_posted_books_always_balance(books: Books, data: st.DataObject) -> None:
    company, account_ids = books.company, books.account_ids
    batch = data.draw(st.lists(vouchers(account_ids), min_size=1, max_size=5), label="batch")
    posted = post_vouchers(company, batch)
    assert len(posted) == len(batch)

    # what every account should hold, from every line ever posted in this company
    with company.reader() as conn:
        from_postings = {
            AccountId(account): Decimal(total) / 100
            for account, total in conn.execute(
                select(postings.c.account_id, func.sum(raw_paise(postings.c.amount))).group_by(
                    postings.c.account_id
                )
            )
        }
        balances = queries.balances(conn, FY_END)
        cut = data.draw(days, label="cut")
        early = queries.balances(conn, cut)
        early_expected: dict[AccountId, Decimal] = defaultdict(lambda: ZERO)
        for account, day, amount in conn.execute(
            select(postings.c.account_id, postings.c.posting_date, postings.c.amount)
        ):
            if day <= cut:
                early_expected[AccountId(account)] += amount

    assert sum(balances.values(), ZERO) == ZERO
    assert balances == from_postings
    assert early == dict(early_expected)
    for line in (line for v in batch for line in v.lines):
        assert line.account_id in balances
    result = check_books(company)
    assert result.ok, result.problems


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_balances_equal_the_lines_posted(books: Books, data: st.DataObject) -> None:
    """Track every line in Python across examples and compare with the stored balances."""
    company, account_ids, expected = books.company, books.account_ids, books.expected
    batch = data.draw(st.lists(vouchers(account_ids), min_size=1, max_size=4))
    post_vouchers(company, batch)
    for v in batch:
        for line in v.lines:
            expected[line.account_id] += line.amount
    with company.reader() as conn:
        assert queries.balances(conn, FY_END) == expected
    assert sum(expected.values(), ZERO) == ZERO


@given(
    st.lists(
        st.integers(min_value=-(10**12), max_value=10**12).filter(bool), min_size=1, max_size=6
    )
)
def test_voucher_constructs_exactly_when_lines_balance(amounts: list[int]) -> None:
    balanced = [*amounts, -sum(amounts)] if sum(amounts) else amounts
    lines = tuple(Line(AccountId(i + 1), rupees(p)) for i, p in enumerate(balanced))
    v = Voucher(VoucherType.JOURNAL, FY_START, lines)
    assert sum((line.amount for line in v.lines), ZERO) == ZERO
    assert v.total == rupees(sum(p for p in balanced if p > 0))


@given(
    st.lists(
        st.integers(min_value=-(10**12), max_value=10**12).filter(bool), min_size=2, max_size=6
    )
)
def test_voucher_refused_exactly_when_lines_do_not_balance(amounts: list[int]) -> None:
    lines = tuple(Line(AccountId(i + 1), rupees(p)) for i, p in enumerate(amounts))
    difference = sum(amounts)
    if difference == 0:
        assert Voucher(VoucherType.JOURNAL, FY_START, lines).lines == lines
        return
    with pytest.raises(UnbalancedVoucher) as caught:
        Voucher(VoucherType.JOURNAL, FY_START, lines)
    side = "debits" if difference > 0 else "credits"
    assert str(caught.value).startswith(
        f"Debits and credits differ by {rupees(abs(difference))} ({side} are more)."
    )
