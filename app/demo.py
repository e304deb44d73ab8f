"""A demo company: a small Pune kirana store's books from 1 April of last financial year
to yesterday, made from a seeded random generator so every run gives the same books."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from app.ledger import service
from app.ledger.model import AccountId, Line, Voucher, VoucherType, financial_year
from app.money import D, round_paise
from app.storage.company import CompanyProfile

NAME = "Sharma General Store (demo)"
GSTIN = "27AAPFU0939F1ZV"

_ACCOUNTS = {
    "HDFC Bank Current A/c": "Bank Accounts",
    "Patel Traders": "Sundry Debtors",
    "Mehta Caterers": "Sundry Debtors",
    "Sunrise Hotel": "Sundry Debtors",
    "Gupta Wholesale": "Sundry Creditors",
    "Parle Agro Distributors": "Sundry Creditors",
    "HUL Stockist Pune": "Sundry Creditors",
}


@dataclass(frozen=True)
class DemoSummary:
    name: str
    vouchers: int
    start: date
    end: date


class _Books:
    """Builds the demo's vouchers with account names resolved once."""

    def __init__(self, ids: dict[str, AccountId], rng: random.Random) -> None:
        self.ids = ids
        self.rng = rng
        self.vouchers: list[Voucher] = []
        self.balance: dict[str, Decimal] = {}  # running balances the generator reacts to

    def add(self, kind: VoucherType, day: date, narration: str, *lines: tuple[str, str]) -> None:
        built = []
        for name, amount in lines:
            value = D(amount)
            built.append(Line(self.ids[name], value))
            self.balance[name] = self.balance.get(name, Decimal(0)) + value
        self.vouchers.append(Voucher(kind, day, tuple(built), narration))

    def amount(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def sale(self, day: date, party: str | None) -> None:
        taxable = self.amount(150, 2500) if party is None else self.amount(4000, 25000)
        rate = self.rng.choice((Decimal(5), Decimal(5), Decimal(18)))
        half = round_paise(taxable * rate / 200)
        total = taxable + 2 * half
        debtor = party or "Cash"
        kind_text = "Cash sale" if party is None else f"Credit sale to {party}"
        self.add(
            VoucherType.SALES,
            day,
            f"{kind_text} (GST {rate}%)",
            (debtor, str(total)),
            ("Sales", str(-taxable)),
            ("Output CGST", str(-half)),
            ("Output SGST", str(-half)),
        )

    def purchase(self, day: date, supplier: str) -> None:
        taxable = self.amount(8000, 60000)
        half = round_paise(taxable * Decimal(5) / 200)
        self.add(
            VoucherType.PURCHASE,
            day,
            f"Stock bought from {supplier}",
            ("Purchases", str(taxable)),
            ("Input CGST", str(half)),
            ("Input SGST", str(half)),
            (supplier, str(-(taxable + 2 * half))),
        )


def build_demo(
    folder: Path, password: str, seed: int = 7, today: date | None = None
) -> DemoSummary:
    today = today or date.today()
    start = financial_year(today).start.replace(year=financial_year(today).start.year - 1)
    end = today - timedelta(days=1)
    profile = CompanyProfile(NAME, "27", start, GSTIN, "Shop 4, Laxmi Road, Pune 411030")
    company, _ = service.create_books(folder, profile, password)
    with company:
        for name, group in _ACCOUNTS.items():
            service.add_account(company, name, group)
        names = [
            *_ACCOUNTS,
            "Cash",
            "Capital",
            "Sales",
            "Purchases",
            "Output CGST",
            "Output SGST",
            "Input CGST",
            "Input SGST",
            "Rent",
            "Salaries",
            "Electricity",
            "Bank Charges",
            "Furniture & Fixtures",
            "Telephone & Internet",
            "Printing & Stationery",
        ]
        books = _Books(service.resolve_accounts(company, names), random.Random(seed))
        books.add(
            VoucherType.JOURNAL,
            start,
            "Opening balances",
            ("Cash", "25000.00"),
            ("HDFC Bank Current A/c", "350000.00"),
            ("Furniture & Fixtures", "120000.00"),
            ("Capital", "-495000.00"),
        )
        _generate(books, start, end)
        for chunk in range(0, len(books.vouchers), 2000):
            service.post_vouchers(company, books.vouchers[chunk : chunk + 2000])
    return DemoSummary(NAME, len(books.vouchers), start, end)


def _generate(books: _Books, start: date, end: date) -> None:
    rng = books.rng
    debtors = [n for n, g in _ACCOUNTS.items() if g == "Sundry Debtors"]
    creditors = [n for n, g in _ACCOUNTS.items() if g == "Sundry Creditors"]
    owed: dict[str, Decimal] = dict.fromkeys(debtors + creditors, Decimal(0))
    day = start
    while day <= end:
        if day.weekday() != 6:  # closed on Sundays
            for _ in range(rng.randint(6, 12)):
                books.sale(day, None)
            if rng.random() < 0.25:
                party = rng.choice(debtors)
                books.sale(day, party)
                owed[party] += books.vouchers[-1].total
            if rng.random() < 0.28:
                supplier = rng.choice(creditors)
                books.purchase(day, supplier)
                owed[supplier] += books.vouchers[-1].total
            deposit = (
                (books.balance.get("Cash", Decimal(0)) - 10000) // 1000 * 1000
            )  # keep a float of about 10,000
            if day.weekday() == 5 and deposit > 0:  # Saturday: the week's takings to the bank
                books.add(
                    VoucherType.CONTRA,
                    day,
                    "Cash deposited",
                    ("HDFC Bank Current A/c", f"{deposit}.00"),
                    ("Cash", f"-{deposit}.00"),
                )
        if day.day == 5:
            _month_start(books, day)
        if day.day == 20:
            _settle(books, day, owed, debtors, creditors)
            _pay_gst(books, day)
        day += timedelta(days=1)


def _month_start(books: _Books, day: date) -> None:
    bank = "HDFC Bank Current A/c"
    for head, amount in (("Rent", "18000.00"), ("Salaries", "32000.00")):
        books.add(
            VoucherType.PAYMENT, day, f"{head} for the month", (head, amount), (bank, f"-{amount}")
        )
    power = books.amount(2200, 4800)
    books.add(
        VoucherType.PAYMENT,
        day,
        "MSEB electricity bill",
        ("Electricity", str(power)),
        ("Cash", str(-power)),
    )
    books.add(
        VoucherType.PAYMENT,
        day,
        "Broadband and phone",
        ("Telephone & Internet", "1180.00"),
        (bank, "-1180.00"),
    )
    books.add(VoucherType.PAYMENT, day, "Bank charges", ("Bank Charges", "59.00"), (bank, "-59.00"))
    if books.rng.random() < 0.3:
        books.add(
            VoucherType.PAYMENT,
            day,
            "Bill books and rolls",
            ("Printing & Stationery", "640.00"),
            ("Cash", "-640.00"),
        )


def _settle(
    books: _Books, day: date, owed: dict[str, Decimal], debtors: list[str], creditors: list[str]
) -> None:
    bank = "HDFC Bank Current A/c"
    for party in debtors:
        if owed[party] > 0:
            paid = round_paise(owed[party] * Decimal("0.8"))
            books.add(
                VoucherType.RECEIPT,
                day,
                f"Received from {party}",
                (bank, str(paid)),
                (party, str(-paid)),
            )
            owed[party] -= paid
    for party in creditors:
        if owed[party] > 0:
            paid = owed[party]
            books.add(
                VoucherType.PAYMENT, day, f"Paid {party}", (party, str(paid)), (bank, str(-paid))
            )
            owed[party] = Decimal(0)


def _pay_gst(books: _Books, day: date) -> None:
    """Set input tax off against output tax and pay the rest (GSTR-3B is due on the 20th)."""
    lines: list[tuple[str, str]] = []
    payable = Decimal(0)
    for head in ("CGST", "SGST"):
        output = -books.balance.get(f"Output {head}", Decimal(0))
        credit = books.balance.get(f"Input {head}", Decimal(0))
        if output <= 0:
            continue
        used = min(output, credit)
        lines.append((f"Output {head}", str(output)))
        if used:
            lines.append((f"Input {head}", str(-used)))
        payable += output - used
    if payable > 0:
        lines.append(("HDFC Bank Current A/c", str(-payable)))
        books.add(VoucherType.PAYMENT, day, "GST paid with GSTR-3B", *lines)
