"""Profit & loss for a period and balance sheet as of a date, each with the previous year
beside it (as Schedule III presents them), grouped by the chart's primary groups.

Stock follows the periodic method a trading business's accounts use: purchases are expensed
as they are booked, and the stock valuation (the company's FIFO or average method, replayed
from the stock moves) supplies the opening and closing stock. The P&L's direct expenses
start with the opening stock and end with the closing stock taken off, so gross profit is
sales less the cost of the goods sold; the balance sheet shows the closing stock as a current
asset. Nothing needs to be posted for it: it is recomputed for the date asked, as an
accountant's closing entry would be. The closing-stock journals the accountant may post
(app.inventory.closing) say the same in the ledger, so their two accounts are left out here
and the statements read the same before and after. A company that keeps no stock moves gets
its ledger as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from app.inventory import queries as stock_queries
from app.inventory.closing import role_account_ids
from app.inventory.settings import inventory_settings
from app.inventory.tables import stock_moves
from app.ledger import queries
from app.ledger.model import AccountId, Nature
from app.money import ZERO
from app.reports.table import Cell, Table
from app.storage.company import Company


@dataclass(frozen=True)
class StatementLine:
    label: str
    current: Decimal
    previous: Decimal
    account_id: AccountId | None = None  # None for a group heading or total


@dataclass(frozen=True)
class Section:
    title: str  # a primary group, e.g. "Indirect Expenses"
    lines: tuple[StatementLine, ...]

    @property
    def current(self) -> Decimal:
        return sum((line.current for line in self.lines), ZERO)

    @property
    def previous(self) -> Decimal:
        return sum((line.previous for line in self.lines), ZERO)


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


STOCK_GROUP = "Stock-in-Hand"  # the chart's group for stock accounts (resources/seed)
OPENING_STOCK = "Opening Stock"
CLOSING_STOCK = "Closing Stock"
OPENING_DIFFERENCE = "Difference in opening stock"


def _stock_accounts(conn: Connection) -> set[AccountId]:
    """Ledger accounts that hold stock: the stock valuation stands in for them."""
    return {a.id for a in queries.chart(conn) if a.group == STOCK_GROUP}


def _closing_accounts(conn: Connection) -> set[AccountId]:
    """The closing-stock journals' accounts: the valuation stands in for them too."""
    return set(role_account_ids(conn).values())


def _keeps_stock(conn: Connection) -> bool:
    return conn.execute(select(stock_moves.c.id).limit(1)).first() is not None


def _stock_at(conn: Connection, days: list[date]) -> dict[date, stock_queries.StockPosition]:
    method = inventory_settings(conn).valuation
    return stock_queries.stock_positions(conn, days, method)


def _sections(
    conn: Connection,
    current: dict[AccountId, Decimal],
    previous: dict[AccountId, Decimal],
    natures: tuple[Nature, ...],
    sign: int,
    direct: bool | None = None,
    leave_out: frozenset[AccountId] | set[AccountId] = frozenset(),
) -> list[Section]:
    """Accounts of the given natures, grouped under their primary group, signed for display."""
    grouped: dict[str, list[StatementLine]] = {}
    for account in queries.chart(conn):
        if account.nature not in natures or (direct is not None and account.direct != direct):
            continue
        if account.id in leave_out:
            continue
        now, then = current.get(account.id, ZERO) * sign, previous.get(account.id, ZERO) * sign
        if now or then:
            grouped.setdefault(account.primary_group, []).append(
                StatementLine(account.name, now, then, account.id)
            )
    return [Section(title, tuple(lines)) for title, lines in grouped.items()]


def _total(sections: list[Section] | tuple[Section, ...], previous: bool = False) -> Decimal:
    return sum((s.previous if previous else s.current for s in sections), ZERO)


@dataclass(frozen=True)
class ProfitAndLoss:
    start: date
    end: date
    direct_income: tuple[Section, ...]
    direct_expenses: tuple[Section, ...]
    indirect_income: tuple[Section, ...]
    indirect_expenses: tuple[Section, ...]

    @property
    def previous_start(self) -> date:
        return year_before(self.start)

    @property
    def previous_end(self) -> date:
        return year_before(self.end)

    def gross_profit(self, previous: bool = False) -> Decimal:
        return _total(self.direct_income, previous) - _total(self.direct_expenses, previous)

    def net_profit(self, previous: bool = False) -> Decimal:
        return (
            self.gross_profit(previous)
            + _total(self.indirect_income, previous)
            - _total(self.indirect_expenses, previous)
        )

    def table(self) -> Table:
        rows: list[tuple[Cell, ...]] = []
        for heading, sections in (
            ("Income", self.direct_income),
            ("Direct expenses", self.direct_expenses),
        ):
            rows += _section_rows(heading, sections)
        rows.append(("Gross profit", "", self.gross_profit(), self.gross_profit(True)))
        for heading, sections in (
            ("Other income", self.indirect_income),
            ("Indirect expenses", self.indirect_expenses),
        ):
            rows += _section_rows(heading, sections)
        rows.append(("Net profit", "", self.net_profit(), self.net_profit(True)))
        return Table(
            f"Profit & Loss {self.start:%d-%m-%Y} to {self.end:%d-%m-%Y}",
            ("Particulars", "Group", "This year", "Previous year"),
            tuple(rows),
        )


def _section_rows(heading: str, sections: tuple[Section, ...]) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = [(heading, "", None, None)]
    for section in sections:
        rows += [
            (f"  {line.label}", section.title, line.current, line.previous)
            for line in section.lines
        ]
    rows.append((f"Total {heading.lower()}", "", _total(sections), _total(sections, True)))
    return rows


def profit_and_loss(company: Company, start: date, end: date) -> ProfitAndLoss:
    with company.reader() as conn:
        return profit_and_loss_in(conn, start, end)


def profit_and_loss_in(conn: Connection, start: date, end: date) -> ProfitAndLoss:
    now = queries.balances(conn, end, since=start)
    then = queries.balances(conn, year_before(end), since=year_before(start))
    keeps_stock = _keeps_stock(conn)
    closing = _closing_accounts(conn) if keeps_stock else set()
    direct_expenses = _sections(
        conn, now, then, (Nature.EXPENSE,), 1, direct=True, leave_out=closing
    )
    if keeps_stock:
        direct_expenses = _with_stock(conn, start, end, direct_expenses)
    return ProfitAndLoss(
        start,
        end,
        tuple(_sections(conn, now, then, (Nature.INCOME,), -1, direct=True)),
        tuple(direct_expenses),
        tuple(_sections(conn, now, then, (Nature.INCOME,), -1, direct=False)),
        tuple(_sections(conn, now, then, (Nature.EXPENSE,), 1, direct=False)),
    )


def _with_stock(conn: Connection, start: date, end: date, sections: list[Section]) -> list[Section]:
    """Opening stock first, closing stock taken off last: purchases become the cost of the
    goods sold. The opening stock is the stock at the end of the day before the period plus
    what opening-stock entries inside it brought in (stock held before the books began)."""
    before, previous_start, previous_end = (
        start - timedelta(days=1),
        year_before(start),
        year_before(end),
    )
    previous_before = previous_start - timedelta(days=1)
    at = _stock_at(conn, [before, end, previous_before, previous_end])

    def opening(first: date, last: date) -> Decimal:
        return at[first].value + at[last].brought_in - at[first].brought_in

    opening_line = StatementLine(
        OPENING_STOCK, opening(before, end), opening(previous_before, previous_end)
    )
    closing_line = StatementLine(CLOSING_STOCK, -at[end].value, -at[previous_end].value)
    return [
        Section(OPENING_STOCK, (opening_line,)),
        *sections,
        Section(CLOSING_STOCK, (closing_line,)),
    ]


@dataclass(frozen=True)
class BalanceSheet:
    as_of: date
    liabilities: tuple[Section, ...]  # includes the accumulated Profit & Loss A/c
    assets: tuple[Section, ...]

    @property
    def previous_as_of(self) -> date:
        return year_before(self.as_of)

    def total_liabilities(self, previous: bool = False) -> Decimal:
        return _total(self.liabilities, previous)

    def total_assets(self, previous: bool = False) -> Decimal:
        return _total(self.assets, previous)

    def table(self) -> Table:
        rows = _section_rows("Liabilities", self.liabilities) + _section_rows("Assets", self.assets)
        return Table(
            f"Balance Sheet as of {self.as_of:%d-%m-%Y}",
            ("Particulars", "Group", f"{self.as_of:%d-%m-%Y}", f"{self.previous_as_of:%d-%m-%Y}"),
            tuple(rows),
        )


def balance_sheet(company: Company, as_of: date) -> BalanceSheet:
    with company.reader() as conn:
        return balance_sheet_in(conn, as_of)


def balance_sheet_in(conn: Connection, as_of: date) -> BalanceSheet:
    previous_as_of = year_before(as_of)
    now, then = queries.balances(conn, as_of), queries.balances(conn, previous_as_of)
    liabilities = _sections(conn, now, then, (Nature.LIABILITY,), -1)
    # Every year's result so far sits in the Profit & Loss A/c on the liabilities side.
    keeps_stock = _keeps_stock(conn)
    closing_accounts = _closing_accounts(conn) if keeps_stock else set()
    in_pl = {
        a.id
        for a in queries.chart(conn)
        if a.nature.in_profit_and_loss and a.id not in closing_accounts
    }
    result_now = -sum((v for k, v in now.items() if k in in_pl), ZERO)
    result_then = -sum((v for k, v in then.items() if k in in_pl), ZERO)
    stock_accounts: set[AccountId] = set()
    closing = difference = None
    if keeps_stock:
        # The valuation replaces the stock accounts' ledger balances. Every P&L so far took
        # its opening stock from opening-stock entries and left its closing stock, so their
        # results add up to closing stock less what those entries brought in.
        stock_accounts = _stock_accounts(conn)
        at = _stock_at(conn, [as_of, previous_as_of])
        result_now += at[as_of].value - at[as_of].brought_in
        result_then += at[previous_as_of].value - at[previous_as_of].brought_in
        closing = StatementLine(CLOSING_STOCK, at[as_of].value, at[previous_as_of].value)
        # Opening stock entered in the inventory should also stand in the ledger (Dr Opening
        # Stock, Cr Capital); what does not is shown, as Tally shows a difference in opening
        # balances, so the sheet still balances and the accountant sees why.
        opening_accounts = stock_accounts - closing_accounts
        in_ledger_now = sum((v for k, v in now.items() if k in opening_accounts), ZERO)
        in_ledger_then = sum((v for k, v in then.items() if k in opening_accounts), ZERO)
        difference = StatementLine(
            OPENING_DIFFERENCE,
            at[as_of].brought_in - in_ledger_now,
            at[previous_as_of].brought_in - in_ledger_then,
        )
    if result_now or result_then:
        liabilities.append(
            Section(
                "Profit & Loss A/c", (StatementLine("Profit & Loss A/c", result_now, result_then),)
            )
        )
    if difference is not None and (difference.current or difference.previous):
        liabilities.append(Section(OPENING_DIFFERENCE, (difference,)))
    assets = _sections(conn, now, then, (Nature.ASSET,), 1, leave_out=stock_accounts)
    if closing is not None and (closing.current or closing.previous):
        assets = _with_closing_stock(assets, closing)
    return BalanceSheet(as_of, tuple(liabilities), tuple(assets))


def _with_closing_stock(assets: list[Section], closing: StatementLine) -> list[Section]:
    """Closing stock heads the current assets (Schedule III lists inventories first)."""
    for index, section in enumerate(assets):
        if section.title == "Current Assets":
            assets[index] = Section(section.title, (closing, *section.lines))
            return assets
    return [*assets, Section("Current Assets", (closing,))]
