"""Trial balance, P&L, balance sheet, day book and ledger statement on hand-checked books."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.ledger import service
from app.ledger.model import Line, Voucher, VoucherType
from app.money import D
from app.reports.registers import day_book, ledger_statement
from app.reports.statements import balance_sheet, profit_and_loss
from app.reports.trial_balance import PROFIT_AND_LOSS, trial_balance
from app.storage.company import Company, CompanyProfile


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    folder: Path = tmp_path_factory.mktemp("books") / "co"
    company, _ = service.create_books(
        folder, CompanyProfile("Report Test Traders", "07", date(2024, 4, 1)), "report-pass"
    )
    ids = service.resolve_accounts(
        company, ["Cash", "Capital", "Sales", "Purchases", "Rent", "Output IGST"]
    )

    def v(kind: VoucherType, day: str, *lines: tuple[str, str]) -> Voucher:
        return Voucher(kind, date.fromisoformat(day), tuple(Line(ids[a], D(x)) for a, x in lines))

    service.post_vouchers(
        company,
        [
            v(VoucherType.JOURNAL, "2024-04-01", ("Cash", "100000"), ("Capital", "-100000")),
            # FY 2024-25: sales 50,000 (+ IGST 9,000), purchases 30,000, rent 5,000 -> profit 15,000
            v(
                VoucherType.SALES,
                "2024-06-10",
                ("Cash", "59000"),
                ("Sales", "-50000"),
                ("Output IGST", "-9000"),
            ),
            v(VoucherType.PURCHASE, "2024-07-01", ("Purchases", "30000"), ("Cash", "-30000")),
            v(VoucherType.PAYMENT, "2024-08-01", ("Rent", "5000"), ("Cash", "-5000")),
            # FY 2025-26: sales 80,000, rent 6,000.50 -> profit 73,999.50
            v(VoucherType.SALES, "2025-05-10", ("Cash", "80000"), ("Sales", "-80000")),
            v(VoucherType.PAYMENT, "2025-06-01", ("Rent", "6000.50"), ("Cash", "-6000.50")),
        ],
    )
    yield company
    company.close()


def test_trial_balance_carries_last_year_result(books: Company) -> None:
    report = trial_balance(books, date(2025, 6, 30))
    rows = {r.account: r for r in report.rows}
    assert rows[PROFIT_AND_LOSS].credit == D("15000.00")
    assert rows["Sales"].credit == D("80000.00")  # this year only
    assert rows["Rent"].debit == D("6000.50")
    assert "Purchases" not in rows  # last year's purchases are inside the P&L A/c
    assert rows["Cash"].debit == D("197999.50")
    assert report.total_debit == report.total_credit == D("204000.00")


def test_trial_balance_as_of_a_past_date(books: Company) -> None:
    report = trial_balance(books, date(2024, 6, 30))
    assert {r.account: (r.debit, r.credit) for r in report.rows} == {
        "Capital": (D("0"), D("100000")),
        "Output IGST": (D("0"), D("9000")),
        "Cash": (D("159000"), D("0")),
        "Sales": (D("0"), D("50000")),
    }


def test_profit_and_loss_with_previous_year(books: Company) -> None:
    pl = profit_and_loss(books, date(2025, 4, 1), date(2026, 3, 31))
    assert pl.previous_start == date(2024, 4, 1)
    assert pl.gross_profit() == D("80000.00")
    assert pl.gross_profit(previous=True) == D("20000.00")
    assert pl.net_profit() == D("73999.50")
    assert pl.net_profit(previous=True) == D("15000.00")
    labels = [row[0] for row in pl.table().rows]
    assert "Gross profit" in labels and labels[-1] == "Net profit"


def test_balance_sheet_balances_and_shows_accumulated_profit(books: Company) -> None:
    sheet = balance_sheet(books, date(2026, 3, 31))
    assert sheet.total_assets() == sheet.total_liabilities() == D("197999.50")
    assert (
        sheet.total_assets(previous=True)
        == sheet.total_liabilities(previous=True)
        == D("124000.00")
    )
    result = next(s for s in sheet.liabilities if s.title == "Profit & Loss A/c")
    assert (result.current, result.previous) == (D("88999.50"), D("15000.00"))


def test_ledger_statement_running_balance(books: Company) -> None:
    statement = ledger_statement(books, "cash", date(2024, 6, 1), date(2024, 8, 31))
    assert statement.opening == D("100000.00")
    assert [row.balance for row in statement.rows] == [D("159000"), D("129000"), D("124000")]
    assert statement.rows[0].posting.other_accounts == "Sales, Output IGST"
    assert statement.closing == D("124000.00")
    rent = ledger_statement(books, "Rent", date(2025, 4, 1), date(2025, 12, 31))
    assert rent.opening == D("0.00")  # expenses start each year at nil
    assert rent.closing == D("6000.50")


def test_day_book_lists_vouchers_in_date_order(books: Company) -> None:
    book = day_book(books, date(2024, 4, 1), date(2024, 12, 31))
    assert [v.number_text for v in book.vouchers] == [
        "JV/2024-25/1",
        "SAL/2024-25/1",
        "PUR/2024-25/1",
        "PMT/2024-25/1",
    ]
    text = book.table().text()
    assert "59,000.00" in text and "Output IGST" in text
