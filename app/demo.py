"""A demo company: a small Pune kirana store's books from 1 April of last financial year
to yesterday, made from a seeded random generator so every run gives the same books.

Trade goes through the billing services as the shop's own would: customers (with and without
a GSTIN, one in Karnataka) and suppliers (one under the composition scheme) as parties, items
with HSN codes and barcodes, purchase bills, counter bills paid in cash or UPI, credit
invoices to customers, one credit note, and receipts and payments allocated against the bills.
Expenses, bank deposits and the monthly GST payment are ledger vouchers. Decisions that depend
on money (what to deposit, what GST to pay) read the posted books, so they always agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from app.billing import queries as billing_queries
from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DocumentId,
    DraftLine,
    PartyDraft,
    PartyId,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party
from app.billing.service import post_documents_in, record_settlement
from app.gst import Taxability, check_character
from app.inventory.model import GodownId, ItemDraft, ItemId
from app.inventory.service import StockLine, add_items, set_opening_stock
from app.ledger import queries as ledger_queries
from app.ledger import service
from app.ledger.model import AccountId, Line, Voucher, VoucherType, financial_year
from app.money import D, round_paise
from app.storage.company import Company, CompanyProfile
from app.storage.settings import PIN_SETTING, TOWN_SETTING, write_setting

NAME = "Sharma General Store (demo)"
GSTIN = "27AAPFU0939F1ZV"
BANK = "HDFC Bank Current A/c"
UPI = "UPI Collections"
GST_2_0 = date(2025, 9, 22)  # new rates from this day (gst.md §2.3)
_MAIN_GODOWN = GodownId(1)
_HEADS = ("IGST", "CGST", "SGST")


@dataclass(frozen=True)
class _Party:
    name: str
    state: str
    pan: str | None  # None: not registered for GST
    address: str
    pin: str
    phone: str
    composition: bool = False

    def draft(self, kind: PartyKind) -> PartyDraft:
        gstin = None
        if self.pan:
            first14 = f"{self.state}{self.pan}1Z"
            gstin = first14 + check_character(first14)
        return PartyDraft(
            self.name,
            kind,
            gstin=gstin,
            state_code=self.state,
            billing=Address(self.address, self.state, self.pin),
            phone=self.phone,
            credit_days=30 if kind is PartyKind.CUSTOMER else 15,
            composition=self.composition,
        )


CUSTOMERS = (
    _Party("Patel Traders", "27", "AAJFP4821K", "14 Market Yard, Gultekdi, Pune", "411037",
           "9822012345"),
    _Party("Mehta Caterers", "27", "ABMFM7350D", "22 FC Road, Shivajinagar, Pune", "411005",
           "9823056789"),
    _Party("Sunrise Hotel", "27", "AADCS6642H", "5 Station Road, Pune", "411001", "9890123456"),
    _Party("Rao Stores", "29", "AAGFR2209L", "12 MG Road, Bengaluru", "560001", "9845012345"),
    _Party("Kulkarni Clinic", "27", None, "Plot 8, Karve Road, Kothrud, Pune", "411038",
           "9850011223"),
)  # fmt: skip
SUPPLIERS = (
    _Party("Gupta Wholesale", "27", "AAHFG3318B", "Shop 31, Market Yard, Pune", "411037",
           "9822098765"),
    _Party("Parle Agro Distributors", "27", "AABCP5510E", "Bhosari MIDC, Pune", "411026",
           "9823011122"),
    _Party("HUL Stockist Pune", "27", "AAFFH7421M", "Hadapsar Industrial Estate, Pune",
           "411013", "9881022334"),
    _Party("Joshi Dairy", "27", "AKLPJ6203R", "Sinhagad Road, Pune", "411041", "9860044556",
           composition=True),
)  # fmt: skip


@dataclass(frozen=True)
class _Item:
    name: str
    hsn: str
    rate_before: str  # GST rate before GST 2.0 (22-09-2025)
    rate_now: str
    mrp: str  # the counter price, tax included
    buy: str  # the supplier's price before tax
    wholesale: str  # our price to shops and hotels, before tax
    code: str  # 12 digits; the EAN-13 check digit is added
    supplier: str

    @property
    def barcode(self) -> str:
        digits = [int(c) for c in self.code]
        total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
        return self.code + str((10 - total % 10) % 10)

    def rate(self, day: date) -> Decimal:
        return D(self.rate_now if day >= GST_2_0 else self.rate_before)

    @property
    def taxability(self) -> Taxability:
        return Taxability.TAXABLE if D(self.rate_now) else Taxability.EXEMPT


ITEMS = (
    _Item("Basmati Rice 5 kg", "1006", "5", "5", "650", "470", "560", "890100000001",
          "Gupta Wholesale"),
    _Item("Toor Dal 1 kg", "0713", "5", "5", "180", "128", "155", "890100000002",
          "Gupta Wholesale"),
    _Item("Sugar 1 kg", "1701", "5", "5", "50", "36", "43", "890100000003", "Gupta Wholesale"),
    _Item("Sunflower Oil 1 L", "1512", "5", "5", "170", "121", "146", "890100000004",
          "Gupta Wholesale"),
    _Item("Chakki Atta 10 kg", "1101", "5", "5", "480", "345", "415", "890100000005",
          "Gupta Wholesale"),
    _Item("Tea 500 g", "0902", "5", "5", "290", "206", "250", "890100000006",
          "HUL Stockist Pune"),
    _Item("Detergent Powder 1 kg", "3402", "18", "18", "140", "90", "108", "890100000007",
          "HUL Stockist Pune"),
    _Item("Toothpaste 150 g", "3306", "18", "5", "110", "70", "85", "890100000008",
          "HUL Stockist Pune"),
    _Item("Glucose Biscuits 200 g", "1905", "18", "5", "30", "19", "23", "890100000009",
          "Parle Agro Distributors"),
    _Item("Mango Drink 600 ml", "2202", "12", "5", "40", "26", "32", "890100000010",
          "Parle Agro Distributors"),
    _Item("Cow Ghee 1 L", "0405", "12", "5", "650", "450", "540", "890100000011",
          "Joshi Dairy"),
    _Item("Fresh Milk 500 ml", "0401", "0", "0", "30", "24", "27", "890100000012",
          "Joshi Dairy"),
)  # fmt: skip
REGULARS = ("Patel Traders", "Mehta Caterers", "Sunrise Hotel")  # buy on credit, B2B
_REORDER_AT = Decimal(40)
_STOCK_UP_TO = Decimal(100)


@dataclass(frozen=True)
class DemoSummary:
    name: str
    vouchers: int
    start: date
    end: date
    documents: int = 0


@dataclass
class _Books:
    """The demo as it is generated: ledger vouchers and documents wait in lists and are
    posted together (``flush``) before anything reads the books."""

    company: Company
    ids: dict[str, AccountId]
    rng: random.Random
    parties: dict[str, PartyId]
    items: dict[str, ItemId]
    vouchers: list[Voucher] = field(default_factory=list)
    drafts: list[DocumentDraft] = field(default_factory=list)
    on_hand: dict[str, Decimal] = field(default_factory=dict)
    cash: Decimal = Decimal(0)  # the till and UPI balances, kept as the bills are written,
    upi: Decimal = Decimal(0)  # so the weekly banking needs no posting first
    posted_vouchers: int = 0
    posted_documents: int = 0
    bill_numbers: dict[str, int] = field(default_factory=dict)

    def add(self, kind: VoucherType, day: date, narration: str, *lines: tuple[str, str]) -> None:
        built = tuple(Line(self.ids[name], D(amount)) for name, amount in lines)
        self.vouchers.append(Voucher(kind, day, built, narration))
        for name, amount in lines:
            if name == "Cash":
                self.cash += D(amount)
            elif name == UPI:
                self.upi += D(amount)

    def amount(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def flush(self) -> None:
        """Post what waits, ledger vouchers and documents, in one transaction."""
        if not (self.vouchers or self.drafts):
            return
        with self.company.unit_of_work() as uow:
            if self.vouchers:
                service.post_in(uow, self.company.profile, self.vouchers)
            if self.drafts:
                post_documents_in(uow, self.company.profile, self.drafts)
            uow.commit()
        self.posted_vouchers += len(self.vouchers)
        self.posted_documents += len(self.drafts)
        self.vouchers, self.drafts = [], []

    def balances(self, as_of: date) -> dict[str, Decimal]:
        self.flush()
        with self.company.reader() as conn:
            found = ledger_queries.balances(conn, as_of)
        return {name: found.get(account, Decimal(0)) for name, account in self.ids.items()}

    # --- trade ---------------------------------------------------------------------------

    def line(self, item: _Item, qty: Decimal, day: date, *, counter: bool) -> DraftLine:
        self.on_hand[item.name] -= qty
        return DraftLine(
            item.name,
            qty,
            D(item.mrp if counter else item.wholesale),
            item.rate(day),
            item_id=self.items[item.name],
            hsn=item.hsn,
            uqc="NOS",
            price_includes_tax=counter,  # the counter sells at MRP, tax included
            taxability=item.taxability,
        )

    def counter_bill(self, day: date) -> None:
        chosen = self.rng.sample(ITEMS, self.rng.randint(2, 6))
        lines = tuple(
            self.line(item, Decimal(self.rng.randint(1, 3)), day, counter=True) for item in chosen
        )
        # Whole-rupee MRPs with tax included: the bill comes to the sum of the MRPs (each
        # line's tax rounds by under a paisa, and the bill is rounded to the rupee).
        total = sum((line.qty * line.unit_price for line in lines), Decimal(0))
        if self.rng.random() < 0.35:
            tender = Tender(PaymentMode.UPI, total, f"UPI{day:%y%m%d}{len(self.drafts):03d}")
            self.upi += total
        else:
            tender = Tender(PaymentMode.CASH, (total + 99) // 100 * 100)  # change handed back
            self.cash += total
        self.drafts.append(DocumentDraft(DocKind.SALES_INVOICE, day, lines, tenders=(tender,)))

    def credit_invoice(self, day: date, customer: str, low: int, high: int) -> None:
        chosen = self.rng.sample(ITEMS, self.rng.randint(3, 7))
        lines = []
        for item in chosen:
            qty = min(Decimal(self.rng.randint(low, high)), self.on_hand[item.name])
            if qty > 0:
                lines.append(self.line(item, qty, day, counter=False))
        if lines:
            self.drafts.append(
                DocumentDraft(
                    DocKind.SALES_INVOICE, day, tuple(lines), party_id=self.parties[customer]
                )
            )

    def purchase_bills(self, day: date) -> None:
        for supplier in SUPPLIERS:
            lines = []
            for item in ITEMS:
                if item.supplier != supplier.name or self.on_hand[item.name] >= _REORDER_AT:
                    continue
                qty = (_STOCK_UP_TO - self.on_hand[item.name]) // 10 * 10
                self.on_hand[item.name] += qty
                lines.append(
                    DraftLine(
                        item.name,
                        qty,
                        D(item.buy),
                        item.rate(day),
                        item_id=self.items[item.name],
                        hsn=item.hsn,
                        uqc="NOS",
                        taxability=item.taxability,
                    )
                )
            if not lines:
                continue
            serial = self.bill_numbers.get(supplier.name, 0) + 1
            self.bill_numbers[supplier.name] = serial
            initials = "".join(word[0] for word in supplier.name.split()).upper()
            self.drafts.append(
                DocumentDraft(
                    DocKind.PURCHASE_BILL,
                    day,
                    tuple(lines),
                    party_id=self.parties[supplier.name],
                    supplier_number=f"{initials}/{serial:05d}",
                )
            )

    def credit_note(self, day: date, customer: str) -> bool:
        """Goods sent back: part of the customer's latest open invoice, against that invoice.
        False when the customer has no open invoice to return goods against."""
        self.flush()
        with self.company.reader() as conn:
            open_now = billing_queries.open_documents(conn, self.parties[customer])
            if not open_now:
                return False
            original = billing_queries.document(conn, open_now[-1].id)
        back = original.lines[0]
        qty = max(Decimal(1), back.qty // 2)
        self.on_hand[back.description] += qty
        item = next(i for i in ITEMS if i.name == back.description)
        line = DraftLine(
            back.description,
            qty,
            back.unit_price,
            back.gst_rate,
            item_id=self.items[item.name],
            hsn=back.hsn,
            uqc=back.uqc,
            taxability=item.taxability,
        )
        self.drafts.append(
            DocumentDraft(
                DocKind.CREDIT_NOTE,
                day,
                (line,),
                party_id=self.parties[customer],
                original_id=original.id,
                reason="Goods returned: damaged packets",
            )
        )
        return True

    def settle(self, day: date, party: str, share: Decimal = Decimal(1)) -> None:
        """Bills dated before this month paid by bank, allocated oldest first; with a
        ``share`` below 1 the party pays part (rounded down to 100) and the last bill it
        reaches stays part paid."""
        self.flush()
        party_id = self.parties[party]
        with self.company.reader() as conn:
            due = [
                d
                for d in billing_queries.open_documents(conn, party_id)
                if d.doc_date < day.replace(day=1)
            ]
        owed = sum((d.outstanding for d in due), Decimal(0))
        amount = owed if share == 1 else (owed * share) // 100 * 100
        if amount <= 0:
            return
        against: list[tuple[DocumentId, Decimal]] = []
        left = amount
        for document in due:
            part = min(left, document.outstanding)
            if part <= 0:
                break
            against.append((document.id, part))
            left -= part
        record_settlement(self.company, party_id, day, Tender(PaymentMode.BANK, amount), against)
        self.posted_vouchers += 1


def build_demo(
    folder: Path, password: str, seed: int = 7, today: date | None = None
) -> DemoSummary:
    today = today or date.today()
    start = financial_year(today).start.replace(year=financial_year(today).start.year - 1)
    end = today - timedelta(days=1)
    profile = CompanyProfile(NAME, "27", start, GSTIN, "Shop 4, Laxmi Road, Pune 411030")
    company, _ = service.create_books(folder, profile, password)
    with company:
        with company.unit_of_work() as uow:
            # The bank that receipts and payments by bank go through (billing's "bank" role).
            service.add_account_in(uow, BANK, "Bank Accounts", system_key="bank")
            service.ensure_system_account(uow, "upi_collections", UPI, "Bank Accounts")
            # What the e-invoice needs beyond the profile, so `bahi gst einvoice` works at once.
            write_setting(uow, PIN_SETTING, "411030")
            write_setting(uow, TOWN_SETTING, "Pune")
            uow.commit()
        parties = {p.name: add_party(company, p.draft(PartyKind.CUSTOMER)) for p in CUSTOMERS}
        parties |= {p.name: add_party(company, p.draft(PartyKind.SUPPLIER)) for p in SUPPLIERS}
        item_ids = add_items(company, [_item_draft(item) for item in ITEMS])
        items = {item.name: item_id for item, item_id in zip(ITEMS, item_ids, strict=True)}
        names = [
            *parties,
            BANK,
            UPI,
            "Cash",
            "Capital",
            "Opening Stock",
            "Rent",
            "Salaries",
            "Electricity",
            "Bank Charges",
            "Furniture & Fixtures",
            "Telephone & Internet",
            "Printing & Stationery",
            *(f"{side} {head}" for side in ("Output", "Input") for head in _HEADS),
        ]
        books = _Books(
            company, service.resolve_accounts(company, names), random.Random(seed), parties, items
        )
        stock = _opening_stock(books, start)
        books.add(
            VoucherType.JOURNAL,
            start,
            "Opening balances",
            ("Cash", "25000.00"),
            (BANK, "350000.00"),
            ("Furniture & Fixtures", "120000.00"),
            ("Opening Stock", str(stock)),
            ("Capital", str(-(Decimal("495000.00") + stock))),
        )
        _generate(books, start, end)
        books.flush()
    return DemoSummary(NAME, books.posted_vouchers, start, end, books.posted_documents)


def _item_draft(item: _Item) -> ItemDraft:
    return ItemDraft(
        item.name,
        unit="NOS",
        barcodes=(item.barcode,),
        hsn=item.hsn,
        gst_rate=D(item.rate_now),
        mrp=D(item.mrp),
        sale_price=D(item.mrp),
        purchase_price=D(item.buy),
        prices=(("wholesale", D(item.wholesale)),),
        reorder_level=_REORDER_AT,
        reorder_qty=_STOCK_UP_TO - _REORDER_AT,
    )


def _opening_stock(books: _Books, start: date) -> Decimal:
    """Sixty of each item on the first day, at cost; its value opens the Opening Stock account."""
    lines = []
    for item in ITEMS:
        books.on_hand[item.name] = Decimal(60)
        lines.append(StockLine(books.items[item.name], Decimal(60), value=60 * D(item.buy)))
    set_opening_stock(books.company, _MAIN_GODOWN, lines, start)
    return sum((line.value or Decimal(0) for line in lines), Decimal(0))


def _generate(books: _Books, start: date, end: date) -> None:
    returned = False
    day = start
    while day <= end:
        if day.weekday() != 6:  # closed on Sundays
            _trade_day(books, day)
        if not returned and day >= end - timedelta(days=45) and day.weekday() == 2:
            returned = books.credit_note(day, "Sunrise Hotel")
        if day.day == 5:
            _month_start(books, day)
        if day.day == 20:
            _settle_month(books, day)
            _pay_gst(books, day)
        day += timedelta(days=1)


def _settle_month(books: _Books, day: date) -> None:
    """On the 20th: the regulars pay last month's bills (Mehta Caterers nine tenths of them),
    and Gupta Wholesale is paid; the others pay and are paid every third month."""
    quarter_end = day.month % 3 == 0
    for party in (*CUSTOMERS, *SUPPLIERS):
        if party.name in (*REGULARS, "Gupta Wholesale") or quarter_end:
            share = Decimal("0.9") if party.name == "Mehta Caterers" else Decimal(1)
            books.settle(day, party.name, share)


def _trade_day(books: _Books, day: date) -> None:
    rng = books.rng
    if day.weekday() == 0:  # stock comes in on Mondays
        books.purchase_bills(day)
    for _ in range(rng.randint(1, 3)):
        books.counter_bill(day)
    if rng.random() < 0.45:
        books.credit_invoice(day, rng.choice(REGULARS), 10, 30)
    if rng.random() < 0.03:
        books.credit_invoice(day, "Kulkarni Clinic", 1, 4)  # B2C on account
    if day.day == 12:
        books.credit_invoice(day, "Rao Stores", 10, 30)  # inter-state: IGST
    if day.weekday() == 5:  # Saturday: the week's takings to the bank
        _bank_the_week(books, day)


def _bank_the_week(books: _Books, day: date) -> None:
    """Cash above a float of about 10,000 goes to the bank, and the UPI collections settle."""
    deposit = (books.cash - 10000) // 1000 * 1000
    if deposit > 0:
        books.add(
            VoucherType.CONTRA,
            day,
            "Cash deposited",
            (BANK, f"{deposit}.00"),
            ("Cash", f"-{deposit}.00"),
        )
    upi = books.upi
    if upi > 0:
        books.add(VoucherType.CONTRA, day, "UPI collections settled", (BANK, str(upi)),
                  (UPI, str(-upi)))  # fmt: skip


def _month_start(books: _Books, day: date) -> None:
    for head, amount in (("Rent", "18000.00"), ("Salaries", "32000.00")):
        books.add(
            VoucherType.PAYMENT, day, f"{head} for the month", (head, amount), (BANK, f"-{amount}")
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
        (BANK, "-1180.00"),
    )
    books.add(VoucherType.PAYMENT, day, "Bank charges", ("Bank Charges", "59.00"), (BANK, "-59.00"))
    if books.rng.random() < 0.3:
        books.add(
            VoucherType.PAYMENT,
            day,
            "Bill books and rolls",
            ("Printing & Stationery", "640.00"),
            ("Cash", "-640.00"),
        )


def _pay_gst(books: _Books, day: date) -> None:
    """Set input tax off against output tax, head by head, and pay the rest (GSTR-3B is due on
    the 20th); credit left over waits for next month."""
    balance = books.balances(day)
    lines: list[tuple[str, str]] = []
    payable = Decimal(0)
    for head in _HEADS:
        output = -balance[f"Output {head}"]
        credit = balance[f"Input {head}"]
        if output <= 0:
            continue
        used = min(output, credit)
        lines.append((f"Output {head}", str(output)))
        if used > 0:
            lines.append((f"Input {head}", str(-used)))
        payable += output - max(used, Decimal(0))
    if payable > 0:
        lines.append((BANK, str(-round_paise(payable))))
        books.add(VoucherType.PAYMENT, day, "GST paid with GSTR-3B", *lines)
