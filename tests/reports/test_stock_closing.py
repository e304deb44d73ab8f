"""The closing-stock journal: cost of goods sold posted to the ledger at a period's end.

The hand-checked shop of test_stock_in_accounts: 100 kg of rice worth 4,000 brought in as
opening stock (also Dr Opening Stock, Cr Capital in the ledger), 50 kg bought for 2,300 and
120 kg sold in FY 2024-25; FIFO closing stock 1,380 on 31-03-2025, so the year's change in
inventories is 4,000 - 1,380 = 2,620 and its cost of goods sold 2,300 + 2,620 = 4,920.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.billing.checks import check_company
from app.errors import PeriodLocked, ValidationError
from app.inventory.closing import (
    CLOSING_STOCK,
    STOCK_CHANGE,
    post_stock_closing,
    role_account_ids,
    stale_closings,
    stock_closing_due,
)
from app.inventory.model import (
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveKind,
    StockEntry,
    ValuationMethod,
)
from app.inventory.service import add_item, post_stock
from app.inventory.settings import set_valuation_method
from app.inventory.tables import items
from app.ledger import queries
from app.ledger import service as ledger
from app.money import ZERO, D
from app.reports.statements import balance_sheet, profit_and_loss
from app.storage.company import Company
from tests.conftest import CompanyFactory
from tests.reports.test_stock_in_accounts import FY25, FY26, _shop, _trades, post_trade

MAIN = GodownId(1)


@pytest.fixture
def shop(make_company: CompanyFactory) -> Company:
    company = make_company(books_begin=FY25[0])
    _shop(company)
    return company


def _ledger_profit(company: Company, start: date, end: date) -> Decimal:
    """The period's profit from the ledger alone: income less expenses as posted."""
    with company.reader() as conn:
        in_pl = {a.id for a in queries.chart(conn) if a.nature.in_profit_and_loss}
        period = queries.balances(conn, end, since=start)
    return -sum((amount for account, amount in period.items() if account in in_pl), ZERO)


def _balance(company: Company, key: str, as_of: date) -> Decimal:
    with company.reader() as conn:
        account = role_account_ids(conn)[key]
        return queries.balances(conn, as_of).get(account, ZERO)


def _statements(company: Company) -> tuple[object, ...]:
    return (
        profit_and_loss(company, *FY25).table(),
        profit_and_loss(company, *FY26).table(),
        balance_sheet(company, FY25[1]).table(),
        balance_sheet(company, FY26[1]).table(),
    )


def test_the_year_end_journal_posts_the_change_in_inventories(shop: Company) -> None:
    with shop.reader() as conn:
        due = stock_closing_due(conn, FY25[1])
    assert (due.stock_value, due.brought_in, due.in_ledger) == (D("1380"), D("4000"), ZERO)
    assert due.amount == D("-2620.00") and due.posted is None

    (closing,) = post_stock_closing(shop, FY25[1])
    assert closing.posted is not None and closing.amount == D("-2620.00")
    with shop.reader() as conn:
        voucher = queries.voucher(conn, closing.posted.id)
    assert voucher.posting_date == FY25[1]
    assert "FIFO" in voucher.narration and "1,380.00" in voucher.narration
    # Dr Changes in Inventories 2,620, Cr the stock adjustment: the Stock-in-Hand group
    # (Opening Stock 4,000 Dr with it) now stands at the closing stock, 1,380
    assert _balance(shop, STOCK_CHANGE.key, FY25[1]) == D("2620.00")
    assert _balance(shop, CLOSING_STOCK.key, FY25[1]) == D("-2620.00")
    # the ledger alone now gives the year's profit: sales 7,200 less 2,300 + 2,620
    assert _ledger_profit(shop, *FY25) == D("2280.00")
    assert profit_and_loss(shop, *FY25).net_profit() == D("2280.00")


def test_posting_again_posts_only_a_difference(shop: Company) -> None:
    post_stock_closing(shop, FY25[1])
    (again,) = post_stock_closing(shop, FY25[1])
    assert again.posted is None and again.amount == ZERO
    # the next year's closing moves the adjustment on by this year's change: 1,380 to 500
    (closing,) = post_stock_closing(shop, FY26[1])
    assert closing.in_ledger == D("-2620.00") and closing.amount == D("-880.00")
    assert _ledger_profit(shop, *FY26) == profit_and_loss(shop, *FY26).net_profit()
    assert _ledger_profit(shop, *FY26) == D("1120.00")


def test_the_statements_read_the_same_before_and_after(shop: Company) -> None:
    before = _statements(shop)
    post_stock_closing(shop, FY25[1])
    post_stock_closing(shop, date(2025, 9, 30))
    post_stock_closing(shop, FY26[1])
    assert _statements(shop) == before
    sheet = balance_sheet(shop, FY26[1])
    assert sheet.total_assets() == sheet.total_liabilities()


def test_the_average_method_closes_at_its_own_figure(shop: Company) -> None:
    set_valuation_method(shop, ValuationMethod.AVERAGE)
    (closing,) = post_stock_closing(shop, FY25[1])
    assert closing.stock_value == D("1260.00") and closing.amount == D("-2740.00")
    assert closing.posted is not None
    with shop.reader() as conn:
        assert "(weighted average)" in queries.voucher(conn, closing.posted.id).narration
    assert _ledger_profit(shop, *FY25) == D("2160.00")


def test_a_late_entry_makes_a_posted_closing_stale_until_posted_again(shop: Company) -> None:
    post_stock_closing(shop, FY25[1])
    with shop.reader() as conn:
        assert stale_closings(conn) == []
    rice = _rice(shop)
    # 10 kg found damaged in March 2025, entered after the year was closed
    post_stock(
        shop,
        StockEntry(
            MoveKind.ADJUSTMENT,
            date(2025, 3, 20),
            "test",
            "damaged",
            (Move(rice, MAIN, D("-10")),),
        ),
    )
    with shop.reader() as conn:
        (stale,) = stale_closings(conn)
    assert stale.as_of == FY25[1]
    assert (stale.stock_value, stale.amount) == (D("920.00"), D("-460.00"))  # 20 kg at 46
    problems = [p for p in check_company(shop).problems if p.where == "closing stock"]
    assert len(problems) == 1 and "31-03-2025" in problems[0].what
    assert "1,380.00" in problems[0].what and "920.00" in problems[0].what

    post_stock_closing(shop, FY25[1])
    with shop.reader() as conn:
        assert stale_closings(conn) == []
    assert not [p for p in check_company(shop).problems if p.where == "closing stock"]
    assert _ledger_profit(shop, *FY25) == profit_and_loss(shop, *FY25).net_profit()


def test_a_locked_period_refuses_the_journal(shop: Company) -> None:
    ledger.lock_period(shop, FY25[1])
    with pytest.raises(PeriodLocked):
        post_stock_closing(shop, FY25[1])
    with shop.reader() as conn:
        assert role_account_ids(conn) == {}  # nothing half made


def test_books_without_stock_have_nothing_to_close(make_company: CompanyFactory) -> None:
    company = make_company(books_begin=FY25[0])
    with pytest.raises(ValidationError, match="no stock has moved"):
        post_stock_closing(company, FY25[1])


def _rice(company: Company) -> ItemId:
    with company.reader() as conn:
        return ItemId(conn.execute(select(items.c.id).where(items.c.name == "Rice")).scalar_one())


# For any trading: after closings on any days, the ledger's profit for a period between two
# closings equals the statements', and the statements do not change ----------------------


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    trades=_trades(),
    average=st.booleans(),
    cut=st.integers(0, 363),
    closing_order=st.permutations([0, 1]),
)
def test_closed_periods_carry_the_statements_profit(
    make_company: CompanyFactory,
    trades: list[tuple[int, int, int, int]],
    average: bool,
    cut: int,
    closing_order: list[int],
) -> None:
    company = make_company(books_begin=FY26[0])
    if average:
        set_valuation_method(company, ValuationMethod.AVERAGE)
    ids = ledger.resolve_accounts(company, ["Cash", "Sales", "Purchases"])
    items = [add_item(company, ItemDraft(name=f"Item {n}", unit="NOS")) for n in range(2)]
    # short sales allowed: the refill's cost correction lands in its period
    for n, (offset, item, qty, rupees) in enumerate(trades):
        post_trade(company, ids, items[item], str(n), FY26[0] + timedelta(days=offset), qty, rupees)

    middle = FY26[0] + timedelta(days=cut)
    periods = [(FY26[0], middle), (middle + timedelta(days=1), FY26[1])]
    before = [profit_and_loss(company, *p).table() for p in periods]
    before.append(balance_sheet(company, FY26[1]).table())
    for index in closing_order:  # the order they are posted in does not matter
        post_stock_closing(company, periods[index][1])
    after = [profit_and_loss(company, *p).table() for p in periods]
    after.append(balance_sheet(company, FY26[1]).table())
    assert after == before
    for start, end in periods:
        assert (
            _ledger_profit(company, start, end) == profit_and_loss(company, start, end).net_profit()
        )
    with company.reader() as conn:
        assert stale_closings(conn) == []
