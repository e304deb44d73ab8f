"""The dashboard's figures: one read of the books, small enough to paint at once.

Everything comes from the per-day account totals, so the dashboard costs the same on a
shop's first day and in its tenth year. Receivables and payables are aged first-in,
first-out: what a party still owes is taken to be from its latest bills, the usual rule when
receipts are not matched to bills.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from app.ledger import queries
from app.ledger.model import AccountId, financial_year
from app.ledger.tables import account_day_totals
from app.storage.company import Company

ZERO = Decimal(0)
SALES_DAYS = 90
AGEING_BUCKETS = ("0-30 days", "31-60 days", "61-90 days", "over 90 days")
_BUCKET_ENDS = (30, 60, 90)
_OUTPUT_TAX = ("output_cgst", "output_sgst", "output_utgst", "output_igst", "output_cess")
_INPUT_TAX = ("input_cgst", "input_sgst", "input_utgst", "input_igst", "input_cess")


@dataclass(frozen=True)
class Ageing:
    """What parties owe (or are owed), split by the age of the bills behind it."""

    total: Decimal
    buckets: tuple[Decimal, ...]  # in the order of AGEING_BUCKETS
    top: tuple[tuple[str, Decimal], ...]  # the largest balances, largest first


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    sales_today: Decimal
    sales_month: Decimal
    money: tuple[tuple[str, Decimal], ...]  # cash and bank accounts with their balances
    receivables: Ageing
    payables: Ageing
    gst_payable_month: Decimal  # output tax less input tax this month; below zero: credit
    sales_by_day: tuple[tuple[date, Decimal], ...]  # the last SALES_DAYS days, oldest first
    expenses: tuple[tuple[str, Decimal], ...]  # this financial year, largest first

    @property
    def cash_and_bank(self) -> Decimal:
        return sum((amount for _name, amount in self.money), ZERO)


def dashboard(company: Company, as_of: date) -> Dashboard:
    with company.reader() as conn:
        return dashboard_in(conn, as_of, company.profile.fy_start_month)


def dashboard_in(conn: Connection, as_of: date, fy_start_month: int = 4) -> Dashboard:
    chart = queries.chart(conn)
    by_group: dict[str, list[queries.Account]] = {}
    for account in chart:
        by_group.setdefault(account.primary_group, []).append(account)
        if account.group != account.primary_group:
            by_group.setdefault(account.group, []).append(account)
    month_start = as_of.replace(day=1)
    year = financial_year(as_of, fy_start_month)

    sales_ids = [a.id for a in by_group.get("Sales Accounts", [])]
    daily_sales = _daily_credit(conn, sales_ids, as_of - timedelta(days=SALES_DAYS - 1), as_of)
    sales_by_day = tuple(
        (day, daily_sales.get(day, ZERO))
        for day in (as_of - timedelta(days=n) for n in range(SALES_DAYS - 1, -1, -1))
    )
    month = queries.balances(conn, as_of, since=month_start)
    sales_month = -sum((month.get(i, ZERO) for i in sales_ids), ZERO)

    names = {a.id: a.name for a in chart}
    cash_ids = queries.cash_and_bank_ids(conn)
    to_date = queries.balances(conn, as_of)
    money = tuple((names[i], to_date.get(i, ZERO)) for i in cash_ids)

    keyed = {a.system_key: a.id for a in chart if a.system_key}
    output_tax = -sum((month.get(keyed[k], ZERO) for k in _OUTPUT_TAX if k in keyed), ZERO)
    input_tax = sum((month.get(keyed[k], ZERO) for k in _INPUT_TAX if k in keyed), ZERO)

    this_year = queries.balances(conn, as_of, since=year.start)
    expense_accounts = by_group.get("Direct Expenses", []) + by_group.get("Indirect Expenses", [])
    expenses = sorted(
        ((a.name, this_year.get(a.id, ZERO)) for a in expense_accounts),
        key=lambda pair: pair[1],
        reverse=True,
    )
    return Dashboard(
        as_of=as_of,
        sales_today=daily_sales.get(as_of, ZERO),
        sales_month=sales_month,
        money=money,
        receivables=_ageing(conn, by_group.get("Sundry Debtors", []), as_of, sign=1),
        payables=_ageing(conn, by_group.get("Sundry Creditors", []), as_of, sign=-1),
        gst_payable_month=output_tax - input_tax,
        sales_by_day=sales_by_day,
        expenses=tuple((name, amount) for name, amount in expenses if amount > 0),
    )


def _daily_credit(
    conn: Connection, account_ids: list[AccountId], start: date, end: date
) -> dict[date, Decimal]:
    """Net credits to the accounts per day (sales less returns)."""
    totals: dict[date, Decimal] = {}
    if not account_ids:
        return totals
    rows = conn.execute(
        select(account_day_totals.c.day, account_day_totals.c.amount).where(
            account_day_totals.c.account_id.in_(account_ids),
            account_day_totals.c.day.between(start, end),
        )
    )
    for day, amount in rows:
        totals[day] = totals.get(day, ZERO) - amount
    return totals


def _ageing(conn: Connection, parties: list[queries.Account], as_of: date, sign: int) -> Ageing:
    """``sign`` 1 ages debit balances (debtors), -1 credit balances (creditors)."""
    buckets = [ZERO] * len(AGEING_BUCKETS)
    balances: list[tuple[str, Decimal]] = []
    for party in parties:
        rows = conn.execute(
            select(account_day_totals.c.day, account_day_totals.c.amount)
            .where(account_day_totals.c.account_id == party.id, account_day_totals.c.day <= as_of)
            .order_by(account_day_totals.c.day.desc())
        ).all()
        outstanding = sign * sum((amount for _day, amount in rows), ZERO)
        if outstanding <= 0:
            continue
        balances.append((party.name, outstanding))
        left = outstanding
        for day, amount in rows:  # newest first: the balance is the latest bills
            billed = sign * amount
            if billed <= 0:
                continue
            taken = min(billed, left)
            buckets[_bucket((as_of - day).days)] += taken
            left -= taken
            if left == 0:
                break
        buckets[-1] += left  # older than the books (an opening balance)
    balances.sort(key=lambda pair: pair[1], reverse=True)
    return Ageing(sum((b for _n, b in balances), ZERO), tuple(buckets), tuple(balances[:5]))


def _bucket(age_days: int) -> int:
    for index, end in enumerate(_BUCKET_ENDS):
        if age_days <= end:
            return index
    return len(_BUCKET_ENDS)
