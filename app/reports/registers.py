"""Day book and ledger statement (an account's postings with a running balance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.errors import NotFound
from app.ledger import queries
from app.ledger.model import AccountId, financial_year
from app.money import ZERO
from app.reports.table import Cell, Table
from app.storage.company import Company


@dataclass(frozen=True)
class DayBook:
    start: date
    end: date
    vouchers: tuple[queries.VoucherView, ...]

    def table(self) -> Table:
        rows: list[tuple[Cell, ...]] = []
        for v in self.vouchers:
            for index, line in enumerate(v.lines):
                head = (
                    (v.posting_date, v.voucher_type.value, v.number_text)
                    if index == 0
                    else (None, "", "")
                )
                rows.append(
                    (
                        *head,
                        line.account,
                        line.amount if line.amount > 0 else None,
                        -line.amount if line.amount < 0 else None,
                        v.narration if index == 0 else "",
                    )
                )
        return Table(
            f"Day Book {self.start:%d-%m-%Y} to {self.end:%d-%m-%Y}",
            ("Date", "Type", "Voucher", "Account", "Debit", "Credit", "Narration"),
            tuple(rows),
        )


def day_book(company: Company, start: date, end: date) -> DayBook:
    with company.reader() as conn:
        return DayBook(start, end, tuple(queries.vouchers_between(conn, start, end)))


@dataclass(frozen=True)
class StatementRow:
    posting: queries.AccountPosting
    balance: Decimal  # running, debit positive


@dataclass(frozen=True)
class LedgerStatement:
    account: queries.Account
    start: date
    end: date
    opening: Decimal
    rows: tuple[StatementRow, ...]

    @property
    def closing(self) -> Decimal:
        return self.rows[-1].balance if self.rows else self.opening

    def table(self) -> Table:
        body: list[tuple[Cell, ...]] = [
            (self.start, "", "Opening balance", "", None, None, *_dr_cr(self.opening))
        ]
        for row in self.rows:
            p = row.posting
            body.append(
                (
                    p.posting_date,
                    p.number_text,
                    p.other_accounts,
                    p.narration,
                    p.amount if p.amount > 0 else None,
                    -p.amount if p.amount < 0 else None,
                    *_dr_cr(row.balance),
                )
            )
        body.append((self.end, "", "Closing balance", "", None, None, *_dr_cr(self.closing)))
        return Table(
            f"Ledger: {self.account.name} {self.start:%d-%m-%Y} to {self.end:%d-%m-%Y}",
            ("Date", "Voucher", "Particulars", "Narration", "Debit", "Credit", "Balance", "Dr/Cr"),
            tuple(body),
        )


def _dr_cr(balance: Decimal) -> tuple[Decimal, str]:
    return abs(balance), "Dr" if balance >= 0 else "Cr"


def ledger_statement(
    company: Company, account_name: str, start: date, end: date, limit: int | None = None
) -> LedgerStatement:
    """An account's postings with a running balance; ``limit`` gives only the first rows."""
    with company.reader() as conn:
        account = next(
            (
                a
                for a in queries.chart(conn)
                if a.name.casefold() == account_name.strip().casefold()
            ),
            None,
        )
        if account is None:
            raise NotFound(f"There is no account named {account_name!r}.")
        opening_from = None
        if account.nature.in_profit_and_loss:  # income and expenses start each year at nil
            opening_from = financial_year(start, company.profile.fy_start_month).start
        opening = queries.balances(conn, start - timedelta(days=1), since=opening_from).get(
            AccountId(account.id), ZERO
        )
        balance = opening
        rows = []
        for posting in queries.account_postings(conn, account.id, start, end, limit):
            balance += posting.amount
            rows.append(StatementRow(posting, balance))
    return LedgerStatement(account, start, end, opening, tuple(rows))
