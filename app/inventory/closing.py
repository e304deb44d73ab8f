"""Cost of goods sold into the ledger: the closing-stock journal an accountant posts at the end
of a period (a month, a quarter, the year).

The statements value stock from its moves whenever they are asked (periodic method), so they
need nothing posted. The ledger itself, though, shows purchases as expenses until the stock
they left on the shelf is put back: this journal does that, as Schedule III presents it:

    Dr Closing Stock            (Stock-in-Hand, an asset)
        Cr Changes in Inventories   (a direct expense: purchases + this = cost of goods sold)

so the trial balance, the day book and an export of the vouchers carry the cost of goods sold.
The journal brings the Closing Stock account to the stock's value at the day's end less what
opening-stock entries brought in (that stock stands in the Opening Stock account against
capital). Posting again for the same day posts only the difference: the correction after a
back-dated move, or nothing. Cost is not posted with each sale on purpose: a sale's cost
depends on every move before it, and tills that sell offline learn of each other's moves only
when they sync, so costs posted at the counter would differ from till to till, and a purchase
entered late would leave them wrong. One journal, posted once the shop's devices have synced,
travels to every device as it is (a journal typed by hand) and keeps their books identical.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from app.errors import ValidationError
from app.inventory import queries
from app.inventory.model import ValuationMethod
from app.inventory.settings import inventory_settings
from app.inventory.tables import stock_moves
from app.ledger import service as ledger
from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.ledger.service import PostedVoucher
from app.ledger.tables import account_day_totals, accounts, postings
from app.money import ZERO, format_inr, from_paise
from app.storage.company import Company
from app.storage.types import raw_paise
from app.storage.uow import UnitOfWork


@dataclass(frozen=True)
class RoleAccount:
    key: str  # accounts.system_key
    name: str
    group: str


CLOSING_STOCK = RoleAccount("closing_stock", "Closing Stock Adjustment", "Stock-in-Hand")
STOCK_CHANGE = RoleAccount("stock_change", "Changes in Inventories", "Direct Expenses")
ROLE_ACCOUNTS = {account.key: account for account in (CLOSING_STOCK, STOCK_CHANGE)}
REFERENCE = "closing stock"
METHOD_NAMES = {ValuationMethod.FIFO: "FIFO", ValuationMethod.AVERAGE: "weighted average"}


@dataclass(frozen=True)
class StockClosing:
    """The closing-stock journal due (or posted) for the end of ``as_of``."""

    as_of: date
    method: ValuationMethod
    stock_value: Decimal  # the stock's value at the day's end, by the company's method
    brought_in: Decimal  # what opening-stock entries added up to by then
    in_ledger: Decimal  # the adjustment account's balance at the day's end, before posting
    posted: PostedVoucher | None = None

    @property
    def target(self) -> Decimal:
        return self.stock_value - self.brought_in

    @property
    def amount(self) -> Decimal:
        """What the journal debits to Closing Stock Adjustment (negative: credits)."""
        return self.target - self.in_ledger


def role_account_ids(conn: Connection) -> dict[str, AccountId]:
    """The closing-stock accounts this company has (none until the first closing)."""
    rows = conn.execute(
        select(accounts.c.system_key, accounts.c.id).where(
            accounts.c.system_key.in_(tuple(ROLE_ACCOUNTS))
        )
    )
    return {key: AccountId(account_id) for key, account_id in rows}


def ensure_role_account(uow: UnitOfWork, role: RoleAccount) -> AccountId:
    """The role's account, made on first use (here, or on a device receiving a closing)."""
    return ledger.ensure_system_account(uow, role.key, role.name, role.group)


def _ledger_balance(conn: Connection, account_id: AccountId | None, as_of: date) -> Decimal:
    if account_id is None:
        return ZERO
    total = conn.execute(
        select(raw_paise(account_day_totals.c.amount)).where(
            account_day_totals.c.account_id == account_id, account_day_totals.c.day <= as_of
        )
    ).scalars()
    return from_paise(sum(int(paise) for paise in total))


def _closings(conn: Connection, days: list[date]) -> list[StockClosing]:
    """The closing due at the end of each of ``days`` (sorted), from one replay of the moves."""
    method = inventory_settings(conn).valuation
    positions = queries.stock_positions(conn, days, method)
    account = role_account_ids(conn).get(CLOSING_STOCK.key)
    return [
        StockClosing(
            day,
            method,
            positions[day].value,
            positions[day].brought_in,
            _ledger_balance(conn, account, day),
        )
        for day in days
    ]


def _closed_days(conn: Connection) -> list[date]:
    """The days a closing was posted for."""
    account = role_account_ids(conn).get(CLOSING_STOCK.key)
    if account is None:
        return []
    query = select(postings.c.posting_date).where(postings.c.account_id == account).distinct()
    return sorted(conn.execute(query).scalars())


def stock_closing_due(conn: Connection, as_of: date) -> StockClosing:
    """What posting the closing stock for ``as_of`` would post, without posting it."""
    return _closings(conn, [as_of])[0]


def post_stock_closing(company: Company, as_of: date) -> list[StockClosing]:
    with company.unit_of_work() as uow:
        closings = post_stock_closing_in(uow, company, as_of)
        uow.commit()
    return closings


def post_stock_closing_in(uow: UnitOfWork, company: Company, as_of: date) -> list[StockClosing]:
    """Post the journal that brings the stock adjustment to the stock's value at the end of
    ``as_of`` (nothing when it already stands there), then set right every later closing it
    moved: the closing for ``as_of`` first, then those later days. The ledger refuses a day
    inside a locked period."""
    conn = uow.conn
    if conn.execute(select(stock_moves.c.id).limit(1)).first() is None:
        raise ValidationError("There is no stock to close: no stock has moved in these books.")
    days = [as_of, *(day for day in _closed_days(conn) if day > as_of)]
    done = []
    # One replay gives every day's stock; the ledger side is read again as each journal lands.
    for planned in _closings(conn, days):
        account = role_account_ids(conn).get(CLOSING_STOCK.key)
        due = replace(planned, in_ledger=_ledger_balance(conn, account, planned.as_of))
        done.append(_post(uow, company, due) if due.amount else due)
    return done


def _post(uow: UnitOfWork, company: Company, closing: StockClosing) -> StockClosing:
    stock, change = ensure_role_account(uow, CLOSING_STOCK), ensure_role_account(uow, STOCK_CHANGE)
    narration = (
        f"Closing stock at {closing.as_of:%d-%m-%Y} ({METHOD_NAMES[closing.method]}): stock "
        f"worth {format_inr(closing.stock_value)}"
    )
    if closing.brought_in:
        narration += f", of which {format_inr(closing.brought_in)} is in opening stock"
    if closing.in_ledger:
        narration += f"; {format_inr(closing.in_ledger)} was posted before"
    voucher = Voucher(
        VoucherType.JOURNAL,
        closing.as_of,
        (Line(stock, closing.amount), Line(change, -closing.amount)),
        narration=narration,
        reference=REFERENCE,
    )
    (posted,) = ledger.post_in(uow, company.profile, [voucher])
    return replace(closing, posted=posted)


def stale_closings(conn: Connection) -> list[StockClosing]:
    """Days a closing was posted for whose figure the moves no longer give: a move dated on or
    before the day was entered (or cancelled) after the closing, or the method changed."""
    days = _closed_days(conn)
    return [closing for closing in _closings(conn, days) if closing.amount] if days else []
