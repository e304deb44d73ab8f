"""Trial balance as of a date.

Balance-sheet accounts carry their whole history; income and expense accounts count from
the start of the financial year, and earlier years' net result shows as one
"Profit & Loss A/c" row, as Tally shows it. The two columns always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from app.ledger import queries
from app.ledger.model import AccountId, financial_year
from app.money import ZERO
from app.reports.table import Table
from app.storage.company import Company

PROFIT_AND_LOSS = "Profit & Loss A/c"


@dataclass(frozen=True)
class TrialBalanceRow:
    account_id: AccountId | None  # None for the Profit & Loss A/c row
    account: str
    group: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class TrialBalance:
    as_of: date
    rows: tuple[TrialBalanceRow, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((row.debit for row in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((row.credit for row in self.rows), ZERO)

    def table(self) -> Table:
        rows = tuple((r.account, r.group, r.debit, r.credit) for r in self.rows)
        totals = (("Total", "", self.total_debit, self.total_credit),)
        return Table(
            f"Trial Balance as of {self.as_of:%d-%m-%Y}",
            ("Account", "Group", "Debit", "Credit"),
            rows + totals,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "rows": [
                {
                    "account": r.account,
                    "group": r.group,
                    "debit": f"{r.debit:.2f}",
                    "credit": f"{r.credit:.2f}",
                }
                for r in self.rows
            ],
            "total_debit": f"{self.total_debit:.2f}",
            "total_credit": f"{self.total_credit:.2f}",
        }


def trial_balance(company: Company, as_of: date) -> TrialBalance:
    with company.reader() as conn:
        return trial_balance_in(conn, as_of, company.profile.fy_start_month)


def trial_balance_in(conn: Connection, as_of: date, fy_start_month: int = 4) -> TrialBalance:
    year_start = financial_year(as_of, fy_start_month).start
    whole = queries.balances(conn, as_of)
    before_year = queries.balances(conn, year_start - timedelta(days=1))
    rows = []
    earlier_result = ZERO
    for account in queries.chart(conn):
        balance = whole.get(account.id, ZERO)
        if account.nature.in_profit_and_loss:
            earlier = before_year.get(account.id, ZERO)
            earlier_result += earlier
            balance -= earlier
        if balance:
            rows.append(_row(account.id, account.name, account.group, balance))
    if earlier_result:
        rows.insert(0, _row(None, PROFIT_AND_LOSS, "Capital Account", earlier_result))
    return TrialBalance(as_of, tuple(rows))


def _row(account_id: AccountId | None, name: str, group: str, balance: Decimal) -> TrialBalanceRow:
    return TrialBalanceRow(
        account_id, name, group, balance if balance > 0 else ZERO, -balance if balance < 0 else ZERO
    )
