"""Dashboard figures on hand-checked books."""

from __future__ import annotations

from datetime import date, timedelta

from app.ledger import service
from app.ledger.model import Line, Voucher, VoucherType
from app.money import D
from app.reports.dashboard import SALES_DAYS, dashboard
from app.storage.company import Company
from tests.conftest import CompanyFactory

AS_OF = date(2025, 9, 30)


def _books(make_company: CompanyFactory) -> Company:
    company = make_company()
    service.add_account(company, "Patel Traders", "Sundry Debtors")
    service.add_account(company, "Mehta Caterers", "Sundry Debtors")
    service.add_account(company, "Gupta Wholesale", "Sundry Creditors")
    service.add_account(company, "HDFC Bank", "Bank Accounts")
    names = [
        "Cash", "HDFC Bank", "Sales", "Sales Returns", "Output CGST", "Output SGST",
        "Input CGST", "Input SGST", "Purchases", "Rent", "Electricity",
        "Patel Traders", "Mehta Caterers", "Gupta Wholesale", "Capital",
    ]  # fmt: skip
    ids = service.resolve_accounts(company, names)

    def v(kind: VoucherType, day: str, *lines: tuple[str, str]) -> Voucher:
        return Voucher(kind, date.fromisoformat(day), tuple(Line(ids[a], D(x)) for a, x in lines))

    service.post_vouchers(
        company,
        [
            v(VoucherType.JOURNAL, "2025-04-01", ("Cash", "50000"), ("Capital", "-50000")),
            # Patel: billed 10,000 in May, 6,000 in August, 4,000 in September; paid 12,000.
            v(VoucherType.SALES, "2025-05-15", ("Patel Traders", "10000"), ("Sales", "-10000")),
            v(VoucherType.SALES, "2025-08-20", ("Patel Traders", "6000"), ("Sales", "-6000")),
            v(
                VoucherType.SALES,
                "2025-09-10",
                ("Patel Traders", "4720"),
                ("Sales", "-4000"),
                ("Output CGST", "-360"),
                ("Output SGST", "-360"),
            ),
            v(
                VoucherType.RECEIPT,
                "2025-09-12",
                ("HDFC Bank", "12000"),
                ("Patel Traders", "-12000"),
            ),
            # Mehta: 2,500 billed today, nothing paid.
            v(VoucherType.SALES, "2025-09-30", ("Mehta Caterers", "2500"), ("Sales", "-2500")),
            v(VoucherType.SALES, "2025-09-30", ("Cash", "1200"), ("Sales", "-1200")),
            v(VoucherType.CREDIT_NOTE, "2025-09-30", ("Sales Returns", "200"), ("Cash", "-200")),
            # Gupta: a purchase in June (over 90 days by 30 Sept), with input tax in September.
            v(
                VoucherType.PURCHASE,
                "2025-06-25",
                ("Purchases", "8000"),
                ("Gupta Wholesale", "-8000"),
            ),
            v(
                VoucherType.PURCHASE,
                "2025-09-05",
                ("Purchases", "1000"),
                ("Input CGST", "90"),
                ("Input SGST", "90"),
                ("Gupta Wholesale", "-1180"),
            ),
            v(VoucherType.PAYMENT, "2025-07-01", ("Rent", "5000"), ("Cash", "-5000")),
            v(VoucherType.PAYMENT, "2025-09-01", ("Rent", "5000"), ("Cash", "-5000")),
            v(VoucherType.PAYMENT, "2025-09-03", ("Electricity", "1300"), ("HDFC Bank", "-1300")),
            # After the day asked about: must not count.
            v(VoucherType.SALES, "2025-10-01", ("Cash", "999"), ("Sales", "-999")),
        ],
    )
    return company


def test_dashboard_figures(make_company: CompanyFactory) -> None:
    company = _books(make_company)
    board = dashboard(company, AS_OF)

    assert board.sales_today == D("3500.00")  # 2,500 + 1,200 - 200 returned
    assert board.sales_month == D("7500.00")  # 4,000 + 2,500 + 1,200 - 200
    assert dict(board.money) == {"Cash": D("41000.00"), "HDFC Bank": D("10700.00")}
    assert board.cash_and_bank == D("51700.00")

    # Patel owes 8,720: 4,720 (20 days) + 4,000 of the August bill (41 days); Mehta 2,500 today.
    receivables = board.receivables
    assert receivables.total == D("11220.00")
    assert receivables.buckets == (D("7220.00"), D("4000.00"), D("0"), D("0"))
    assert receivables.top == (("Patel Traders", D("8720.00")), ("Mehta Caterers", D("2500.00")))
    # Gupta is owed 9,180: 1,180 from September, 8,000 from 25 June (97 days).
    assert board.payables.total == D("9180.00")
    assert board.payables.buckets == (D("1180.00"), D("0"), D("0"), D("8000.00"))

    assert board.gst_payable_month == D("540.00")  # 720 output less 180 input

    assert len(board.sales_by_day) == SALES_DAYS
    assert board.sales_by_day[-1] == (AS_OF, D("3500.00"))
    assert board.sales_by_day[0][0] == AS_OF - timedelta(days=SALES_DAYS - 1)
    by_day = dict(board.sales_by_day)
    assert by_day[date(2025, 9, 10)] == D("4000.00")
    assert date(2025, 5, 15) not in by_day  # older than 90 days
    assert sum(by_day.values()) == D("6000") + D("4000") + D("3500")

    assert board.expenses == (("Rent", D("10000.00")), ("Electricity", D("1300.00")))
