"""Closing stock in the P&L and the balance sheet (periodic method), on hand-checked books.

The shop: books begin 1 April 2024 with Rs 1,00,000 cash and 100 kg of rice worth Rs 4,000
(40/kg), entered in the inventory and in the ledger (Dr Opening Stock, Cr Capital).

FY 2024-25: buys 50 kg for 2,300 (46/kg), sells 120 kg for 7,200.
    FIFO: cost of sales 100 x 40 + 20 x 46 = 4,920; closing 30 x 46 = 1,380; gross profit 2,280.
    Average: 6,300 / 150 = 42/kg; cost 5,040; closing 1,260; gross profit 2,160.
FY 2025-26: buys 20 kg for 1,000 (50/kg), sells 40 kg for 3,000.
    FIFO: cost 30 x 46 + 10 x 50 = 1,880; closing 10 x 50 = 500; gross profit 1,120.
    Average: (1,260 + 1,000) / 50 = 45.20/kg; cost 1,808; closing 452; gross profit 1,192.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.inventory.model import (
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveKind,
    StockEntry,
    ValuationMethod,
)
from app.inventory.queries import cost_of_source
from app.inventory.service import StockLine, add_item, post_stock, set_opening_stock
from app.inventory.settings import set_valuation_method
from app.ledger import service as ledger
from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.money import D
from app.reports.statements import (
    CLOSING_STOCK,
    OPENING_DIFFERENCE,
    OPENING_STOCK,
    BalanceSheet,
    ProfitAndLoss,
    Section,
    balance_sheet,
    profit_and_loss,
)
from app.storage.company import Company
from tests.conftest import CompanyFactory

MAIN = GodownId(1)
FY25 = (date(2024, 4, 1), date(2025, 3, 31))
FY26 = (date(2025, 4, 1), date(2026, 3, 31))


def post_trade(
    company: Company,
    ids: dict[str, AccountId],
    item: ItemId,
    ref: str,
    day: date,
    qty: int,
    rupees: int,
) -> None:
    """``qty`` of ``item`` bought (positive) or sold (negative) for ``rupees`` in cash: the
    voucher and the stock move, as the statements' tests enter trades."""
    amount = D(rupees)
    if qty > 0:
        lines = (Line(ids["Purchases"], amount), Line(ids["Cash"], -amount))
        move = Move(item, MAIN, D(qty), amount)
        kind, voucher_kind = MoveKind.PURCHASE, VoucherType.PURCHASE
    else:
        lines = (Line(ids["Cash"], amount), Line(ids["Sales"], -amount))
        move = Move(item, MAIN, D(qty))
        kind, voucher_kind = MoveKind.SALE, VoucherType.SALES
    ledger.post_vouchers(company, [Voucher(voucher_kind, day, lines)])
    post_stock(company, StockEntry(kind, day, "test", ref, (move,)))


def _shop(company: Company, *, opening_in_ledger: bool = True) -> None:
    ids = ledger.resolve_accounts(
        company, ["Cash", "Capital", "Sales", "Purchases", "Opening Stock"]
    )

    def post(kind: VoucherType, day: str, *lines: tuple[str, str]) -> None:
        voucher = Voucher(
            kind, date.fromisoformat(day), tuple(Line(ids[a], D(x)) for a, x in lines)
        )
        ledger.post_vouchers(company, [voucher])

    rice = add_item(company, ItemDraft(name="Rice", unit="KGS", sale_price=D("60")))

    def stock(kind: MoveKind, day: str, ref: str, qty: str, value: str | None = None) -> None:
        move = Move(rice, MAIN, D(qty), D(value) if value else None)
        post_stock(company, StockEntry(kind, date.fromisoformat(day), "test", ref, (move,)))

    post(VoucherType.JOURNAL, "2024-04-01", ("Cash", "100000"), ("Capital", "-100000"))
    if opening_in_ledger:
        post(VoucherType.JOURNAL, "2024-04-01", ("Opening Stock", "4000"), ("Capital", "-4000"))
    set_opening_stock(company, MAIN, [StockLine(rice, D("100"), value=D("4000"))])

    post(VoucherType.PURCHASE, "2024-05-10", ("Purchases", "2300"), ("Cash", "-2300"))
    stock(MoveKind.PURCHASE, "2024-05-10", "P1", "50", "2300")
    post(VoucherType.SALES, "2024-06-15", ("Cash", "7200"), ("Sales", "-7200"))
    stock(MoveKind.SALE, "2024-06-15", "S1", "-120")

    post(VoucherType.PURCHASE, "2025-05-01", ("Purchases", "1000"), ("Cash", "-1000"))
    stock(MoveKind.PURCHASE, "2025-05-01", "P2", "20", "1000")
    post(VoucherType.SALES, "2025-06-01", ("Cash", "3000"), ("Sales", "-3000"))
    stock(MoveKind.SALE, "2025-06-01", "S2", "-40")


@pytest.fixture
def shop(make_company: CompanyFactory) -> Company:
    company = make_company(books_begin=FY25[0])
    _shop(company)
    return company


def _pl_line(pl: ProfitAndLoss, title: str) -> tuple[Decimal, Decimal]:
    section = next(s for s in pl.direct_expenses if s.title == title)
    return section.current, section.previous


def _bs_line(sections: tuple[Section, ...], label: str) -> tuple[Decimal, Decimal] | None:
    for section in sections:
        for line in section.lines:
            if line.label == label:
                return line.current, line.previous
    return None


def _assert_balanced(sheet: BalanceSheet) -> None:
    assert sheet.total_assets() == sheet.total_liabilities()
    assert sheet.total_assets(previous=True) == sheet.total_liabilities(previous=True)


def test_fifo_stock_in_the_profit_and_loss(shop: Company) -> None:
    pl = profit_and_loss(shop, *FY26)
    # this year: opening 1,380 (last year's closing), closing 500; last year: 4,000 and 1,380
    assert _pl_line(pl, OPENING_STOCK) == (D("1380.00"), D("4000.00"))
    assert _pl_line(pl, CLOSING_STOCK) == (D("-500.00"), D("-1380.00"))
    assert pl.gross_profit() == D("1120.00")  # 3,000 - (1,380 + 1,000 - 500)
    assert pl.gross_profit(previous=True) == D("2280.00")  # 7,200 - (4,000 + 2,300 - 1,380)
    assert pl.net_profit() == D("1120.00")
    labels = [row[0] for row in pl.table().rows]
    assert labels.index("  Opening Stock") < labels.index("  Purchases")
    assert (
        labels.index("  Purchases") < labels.index("  Closing Stock") < labels.index("Gross profit")
    )


def test_a_quarter_takes_its_opening_stock_from_the_day_before(shop: Company) -> None:
    pl = profit_and_loss(shop, date(2025, 4, 1), date(2025, 6, 30))
    assert _pl_line(pl, OPENING_STOCK)[0] == D("1380.00")
    assert _pl_line(pl, CLOSING_STOCK)[0] == D("-500.00")
    # a period after the purchase but before the sale holds all 50 kg bought
    pl = profit_and_loss(shop, date(2024, 5, 11), date(2024, 6, 14))
    assert _pl_line(pl, OPENING_STOCK)[0] == D("6300.00")
    assert _pl_line(pl, CLOSING_STOCK)[0] == D("-6300.00")
    assert pl.gross_profit() == D("0.00")


def test_fifo_closing_stock_in_the_balance_sheet(shop: Company) -> None:
    sheet = balance_sheet(shop, FY26[1])
    assert _bs_line(sheet.assets, CLOSING_STOCK) == (D("500.00"), D("1380.00"))
    # the ledger's Opening Stock account gives way to the valuation
    assert _bs_line(sheet.assets, "Opening Stock") is None
    assert _bs_line(sheet.assets, "Cash") == (D("106900.00"), D("104900.00"))
    # 2,280 + 1,120: the ledger's 6,900 plus closing 500 less the 4,000 opening stock
    assert _bs_line(sheet.liabilities, "Profit & Loss A/c") == (D("3400.00"), D("2280.00"))
    assert _bs_line(sheet.liabilities, OPENING_DIFFERENCE) is None
    assert sheet.total_assets() == D("107400.00")
    assert sheet.total_assets(previous=True) == D("106280.00")
    _assert_balanced(sheet)
    current = next(s for s in sheet.assets if s.title == "Current Assets")
    assert current.lines[0].label == CLOSING_STOCK


def test_average_method_changes_the_figures(shop: Company) -> None:
    set_valuation_method(shop, ValuationMethod.AVERAGE)
    pl = profit_and_loss(shop, *FY26)
    assert _pl_line(pl, OPENING_STOCK) == (D("1260.00"), D("4000.00"))
    assert _pl_line(pl, CLOSING_STOCK) == (D("-452.00"), D("-1260.00"))
    assert pl.gross_profit() == D("1192.00")
    assert pl.gross_profit(previous=True) == D("2160.00")
    sheet = balance_sheet(shop, FY26[1])
    assert _bs_line(sheet.assets, CLOSING_STOCK) == (D("452.00"), D("1260.00"))
    assert _bs_line(sheet.liabilities, "Profit & Loss A/c") == (D("3352.00"), D("2160.00"))
    _assert_balanced(sheet)


def test_opening_stock_missing_from_the_ledger_shows_as_a_difference(
    make_company: CompanyFactory,
) -> None:
    company = make_company(books_begin=FY25[0])
    _shop(company, opening_in_ledger=False)
    sheet = balance_sheet(company, FY26[1])
    assert _bs_line(sheet.liabilities, OPENING_DIFFERENCE) == (D("4000.00"), D("4000.00"))
    assert _bs_line(sheet.assets, CLOSING_STOCK) == (D("500.00"), D("1380.00"))
    _assert_balanced(sheet)
    # the profit does not depend on how the ledger recorded the opening stock
    assert profit_and_loss(company, *FY26).gross_profit() == D("1120.00")


def test_books_without_stock_moves_keep_their_stock_accounts(
    make_company: CompanyFactory,
) -> None:
    company = make_company(books_begin=FY25[0])
    ids = ledger.resolve_accounts(company, ["Opening Stock", "Capital"])
    ledger.post_vouchers(
        company,
        [
            Voucher(
                VoucherType.JOURNAL,
                FY25[0],
                (Line(ids["Opening Stock"], D("900")), Line(ids["Capital"], D("-900"))),
            )
        ],
    )
    sheet = balance_sheet(company, FY25[1])
    assert _bs_line(sheet.assets, "Opening Stock") == (D("900.00"), D("0.00"))
    assert _bs_line(sheet.assets, CLOSING_STOCK) is None
    pl = profit_and_loss(company, *FY25)
    assert all(s.title not in (OPENING_STOCK, CLOSING_STOCK) for s in pl.direct_expenses)
    _assert_balanced(sheet)


# For any trading year: periodic figures equal the perpetual cost of what was sold ---------


@st.composite
def _trades(draw: st.DrawFn) -> list[tuple[int, int, int, int]]:
    """(day offset, item 0-1, +qty bought / -qty sold, rupees) in date order."""
    trades = draw(
        st.lists(
            st.tuples(
                st.integers(0, 364),
                st.integers(0, 1),
                st.integers(-20, 30).filter(bool),
                st.integers(1, 5000),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return sorted(trades)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trades=_trades(), average=st.booleans())
def test_gross_profit_is_sales_less_the_cost_of_goods_sold(
    make_company: CompanyFactory, trades: list[tuple[int, int, int, int]], average: bool
) -> None:
    company = make_company(books_begin=FY26[0])
    if average:
        set_valuation_method(company, ValuationMethod.AVERAGE)
    ids = ledger.resolve_accounts(company, ["Cash", "Sales", "Purchases"])
    items = [add_item(company, ItemDraft(name=f"Item {n}", unit="NOS")) for n in range(2)]
    sales = D("0")
    refs = []
    held = [0, 0]
    for n, (offset, item, wanted, rupees) in enumerate(trades):
        # Sales only from stock in hand: selling short defers a cost correction to the next
        # receipt, which the periodic figures include and a per-sale cost cannot.
        qty = wanted if wanted > 0 else -min(-wanted, held[item])
        if not qty:
            continue
        held[item] += qty
        post_trade(company, ids, items[item], str(n), FY26[0] + timedelta(days=offset), qty, rupees)
        if qty < 0:
            sales += D(rupees)
            refs.append(str(n))
    method = ValuationMethod.AVERAGE if average else ValuationMethod.FIFO
    with company.reader() as conn:
        cost = sum(
            (cost_of_source(conn, "test", ref, method).cost_of_goods_out for ref in refs), D("0")
        )
    pl = profit_and_loss(company, *FY26)
    assert pl.gross_profit() == sales - cost
    sheet = balance_sheet(company, FY26[1])
    _assert_balanced(sheet)
    assert sheet.total_liabilities() - sheet.total_assets() == 0
