"""Sync between real company files through the real service and PostgreSQL (sync-design.md
§8). Each till is a SQLCipher company driven by its own client processes; after each scenario
every committed sale exists on every till exactly once, each series is unique and gap-free,
trial balances and stock agree, and the server's rows hold no plaintext."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from app.billing import queries as billing_queries
from app.billing.model import (
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.parties import add_party, set_opening_balance
from app.billing.service import cancel_document, post_document, record_settlement
from app.billing.tables import documents, settlements
from app.inventory import queries as stock_queries
from app.inventory.model import GodownId, ItemDraft
from app.inventory.service import (
    StockLine,
    add_godown,
    add_item,
    set_opening_stock,
    update_item,
)
from app.ledger import queries as ledger_queries
from app.ledger.model import Line, Voucher, VoucherType
from app.ledger.service import (
    add_account,
    lock_period,
    post_voucher,
    rename_account_in,
    resolve_accounts,
    reverse_voucher,
)
from app.money import D
from app.storage.company import Company
from app.syncing import service as sync_service
from app.syncing.capture import opening_stock
from app.syncing.tables import sync_outbox, sync_quarantine
from sync.crypto import parse_header
from tests.conftest import CompanyFactory
from tests.factories import kill_mid_run
from tests.sync.pg import PgServer
from tests.sync.service import Service
from tests.sync.tills import (
    CHILD,
    CUSTOMER,
    ITEM,
    SUPPLIER,
    Books,
    Till,
    assert_gap_free,
    books,
    pair_new,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _item_draft(price: str) -> ItemDraft:
    return ItemDraft(ITEM, unit="NOS", hsn="1006", gst_rate=D("5"), sale_price=D(price))


def _make_shop(make_company: CompanyFactory, service: Service, count: int) -> list[Till]:
    first = make_company()
    sync_service.create_shop(first, service.url, device_name="Till A", series_prefix="A")
    others = [make_company() for _ in range(count - 1)]
    for n, other in enumerate(others):
        prefix = "BCDEF"[n]
        pair_new(first, other, name=f"Till {prefix}", prefix=prefix)
    # Stock comes in on a purchase bill, a document like any other: it travels and is
    # re-posted on every till.
    item = add_item(first, _item_draft("412.50"))
    supplier = add_party(first, PartyDraft(SUPPLIER, PartyKind.SUPPLIER, state_code="27"))
    line = DraftLine(ITEM, D("100"), D("350.00"), D("5"), item_id=item, hsn="1006")
    post_document(
        first,
        DocumentDraft(
            DocKind.PURCHASE_BILL,
            date(2025, 6, 1),
            (line,),
            party_id=supplier,
            supplier_number="GW/1001",
        ),
    )
    tills = [Till(c.folder, c.database_key) for c in [first, *others]]
    for company in [first, *others]:
        company.close()
    for till in tills:
        till.sync()
    return tills


@pytest.fixture
def shop(make_company: CompanyFactory, service: Service) -> Iterator[list[Till]]:
    yield _make_shop(make_company, service, 2)


def _settle(tills: list[Till]) -> list[Books]:
    # A second pass (all but the last till) delivers what the later tills sent.
    for till in tills + tills[:-1]:
        till.sync()
    result = []
    for till in tills:
        with till.open() as company:
            result.append(books(company))
    return result


def _assert_same(all_books: list[Books]) -> None:
    first = all_books[0]
    for other in all_books[1:]:
        assert other.numbers == first.numbers
        assert other.balances == first.balances
        assert other.stock == first.stock
        assert other.godown_stock == first.godown_stock
    for b in all_books:
        assert b.integrity == "ok"
        assert b.books_ok
        assert len(set(b.numbers)) == len(b.numbers)


def _assert_no_plaintext(pg: PgServer, *needles: str) -> None:
    with pg.connect() as conn:
        rows = conn.execute("SELECT envelope FROM changes").fetchall()
        pairings = conn.execute("SELECT coalesce(sealed, '') FROM pairings").fetchall()
    assert rows
    blobs = [bytes(r[0]) for r in rows] + [bytes(r[0]) for r in pairings]
    for needle in needles:
        for form in {needle.encode(), needle.encode("utf-16-le")}:
            assert not any(form in blob for blob in blobs), needle


def test_two_tills_sell_offline_then_sync(shop: list[Till], pg: PgServer) -> None:
    a, b = shop
    children = [a.spawn("sell", "12", "1", ITEM), b.spawn("sell", "9", "1", ITEM)]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    all_books = _settle(shop)
    _assert_same(all_books)
    numbers = all_books[0].numbers
    assert len(numbers) == 21
    assert_gap_free(numbers, "INV-A/2526", 12)
    assert_gap_free(numbers, "INV-B/2526", 9)
    assert all_books[0].stock == D("100") - 21
    # The server holds each change once: one row per outbox row of each till (O2).
    with pg.connect() as conn:
        stored = conn.execute("SELECT count(*) FROM changes").fetchone()
    assert stored is not None and stored[0] >= sum(x.outbox for x in all_books)
    _assert_no_plaintext(pg, SUPPLIER, "GW/1001", "412.50", "350.00", ITEM)


def test_two_tills_sell_the_last_unit(shop: list[Till]) -> None:
    a, b = shop
    a.run("sell", "1", "99", ITEM)
    _settle(shop)
    a.sell(1)
    b.sell(1)
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[0].stock == D("-1")  # both sales kept; negative stock is derived
    assert len(all_books[0].numbers) == 3


def test_same_item_edited_offline_last_writer_wins(shop: list[Till]) -> None:
    a, b = shop
    with a.open() as company:
        with company.reader() as conn:
            item = stock_queries.item_by_name(conn, ITEM).id
        update_item(company, item, _item_draft("45.00"))
    with b.open() as company:
        with company.reader() as conn:
            item_b = stock_queries.item_by_name(conn, ITEM).id
        update_item(company, item_b, _item_draft("50.00"))  # later: wins everywhere
    _settle(shop)
    prices = []
    logged = []
    for till in shop:
        with till.open() as company:
            with company.reader() as conn:
                prices.append(stock_queries.item_by_name(conn, ITEM).sale_price)
            logged.append(sync_service.conflicts(company))
    assert prices == [D("50.00"), D("50.00")]
    for conflicts in logged:
        price = [c for c in conflicts if c.field == "sale_price"]
        assert len(price) == 1
        assert (price[0].kept, price[0].lost) == ('"50.00"', '"45.00"')


@posix_only
def test_kill_9_during_the_local_write(shop: list[Till]) -> None:
    a, _ = shop
    printed = kill_mid_run(CHILD, [str(a.folder), a.key.hex(), "sell", "100000", "1", ITEM], 15)
    all_books = _settle(shop)
    _assert_same(all_books)
    sold = len([n for n in all_books[0].numbers if n.startswith("INV-A/")])
    assert len(printed) <= sold <= len(printed) + 1
    assert_gap_free(all_books[0].numbers, "INV-A/2526", sold)
    with a.open() as company, company.reader() as conn:
        # every committed sale has its outbox row: one per sale after the setup's rows
        payloads = conn.execute(select(sync_outbox.c.payload)).scalars().all()
    assert sum(p.count(b'"INV-A/2526/') for p in payloads) == sold


@posix_only
def test_kill_9_during_pull_apply(shop: list[Till]) -> None:
    a, b = shop
    a.sell(60)
    a.sync()
    pages = kill_mid_run(CHILD, [str(b.folder), b.key.hex(), "sync", "7", "trace"], 2)
    assert len(pages) >= 2
    with b.open() as company:
        half = books(company)
    assert 0 < len([n for n in half.numbers if n.startswith("INV-A/")]) < 60
    assert half.integrity == "ok" and half.books_ok
    all_books = _settle(shop)
    _assert_same(all_books)
    assert_gap_free(all_books[1].numbers, "INV-A/2526", 60)


def test_revoked_device_is_refused_and_the_key_rotates(
    make_company: CompanyFactory, service: Service
) -> None:
    a, b, c = _make_shop(make_company, service, 3)
    with c.open() as company:
        c_id = sync_service.status(company).device_id
    assert c_id is not None
    with a.open() as company:
        sync_service.revoke(company, c_id)
        assert sync_service.load_membership(company).keys.current_epoch == 2
    c.sell(1)
    refused = c.run("sync", check=False)
    assert refused.returncode != 0 and "removed from the shop" in refused.stderr
    a.sell(2)  # sealed under the new epoch, which b receives and c never does
    b.sell(1)  # made before b heard of the rotation, sealed when it leaves: new epoch too
    all_books = _settle([a, b])
    _assert_same(all_books)
    assert_gap_free(all_books[1].numbers, "INV-A/2526", 2)
    assert_gap_free(all_books[0].numbers, "INV-B/2526", 1)
    with b.open() as company, company.reader() as conn:
        assert conn.execute(select(sync_quarantine)).first() is None
        last = conn.execute(
            select(sync_outbox.c.envelope).order_by(sync_outbox.c.device_seq.desc()).limit(1)
        ).scalar_one()
    assert parse_header(last).key_epoch == 2


def test_cancellation_travels_and_is_reversed_everywhere(shop: list[Till]) -> None:
    a, b = shop
    a.sell(3)
    _settle(shop)
    with a.open() as company, company.reader() as conn:
        second = conn.execute(
            select(documents.c.id).where(documents.c.number == "INV-A/2526/0002")
        ).scalar_one()
    with a.open() as company:
        cancel_document(company, second, date(2025, 6, 3), "Customer returned the bag")
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[0].stock == D("100") - 2
    with b.open() as company, company.reader() as conn:
        status = conn.execute(
            select(documents.c.status).where(documents.c.number == "INV-A/2526/0002")
        ).scalar_one()
    assert status == "cancelled"


def test_a_change_that_cannot_be_applied_is_quarantined_then_applied(shop: list[Till]) -> None:
    a, b = shop
    with b.open() as company:
        lock_period(company, date(2025, 6, 30))  # b refuses postings in June for now
    a.sell(2)
    a.sync()
    b.sync()
    with b.open() as company:
        held = sync_service.status(company)
        assert held.quarantined == 2  # kept whole, never dropped; the cursor moved on
        assert not [n for n in books(company).numbers if n.startswith("INV-A/")]
        with company.reader() as conn:
            reasons = conn.execute(select(sync_quarantine.c.reason)).scalars().all()
        assert reasons == ["apply_failed", "apply_failed"]
        lock_period(company, None)
    all_books = _settle(shop)
    _assert_same(all_books)
    assert_gap_free(all_books[1].numbers, "INV-A/2526", 2)
    with b.open() as company:
        assert sync_service.status(company).quarantined == 0


def _outstanding(company_books: Till) -> list[tuple[str, str]]:
    with company_books.open() as company, company.reader() as conn:
        party = billing_queries.party_by_name(conn, CUSTOMER).id
        return [(d.number, str(d.outstanding)) for d in billing_queries.open_documents(conn, party)]


def test_receipts_and_hand_entered_vouchers_travel(shop: list[Till], pg: PgServer) -> None:
    """A receipt allocated against a credit sale on till A shows on till B with the same
    outstanding; journal and payment vouchers typed by hand (and a reversal of one) are
    re-posted there, so both trial balances stay identical."""
    a, b = shop
    with a.open() as company:
        customer = add_party(company, PartyDraft(CUSTOMER, PartyKind.CUSTOMER, state_code="27"))
        with company.reader() as conn:
            item = stock_queries.item_by_name(conn, ITEM).id
        line = DraftLine(
            ITEM, D("2"), D("412.50"), D("5"), item_id=item, hsn="1006", price_includes_tax=True
        )
        invoice = post_document(
            company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 3), (line,), customer)
        ).document
        record_settlement(
            company,
            customer,
            date(2025, 6, 10),
            Tender(PaymentMode.UPI, D("500.00"), "UPI 5117"),
            [(invoice.id, D("500.00"))],
        )
        ids = resolve_accounts(company, ["Rent", "Cash", "Salaries", "Salary Payable"])
        post_voucher(
            company,
            Voucher(
                VoucherType.PAYMENT,
                date(2025, 6, 5),
                (Line(ids["Rent"], D("1500.00")), Line(ids["Cash"], D("-1500.00"))),
                "Shop rent for June",
            ),
        )
        wrong = post_voucher(
            company,
            Voucher(
                VoucherType.JOURNAL,
                date(2025, 6, 30),
                (Line(ids["Salaries"], D("900.00")), Line(ids["Salary Payable"], D("-900.00"))),
                "Salary provision, typed twice",
            ),
        )
        reverse_voucher(company, wrong.id, date(2025, 6, 30), "Entered twice")
    all_books = _settle(shop)
    _assert_same(all_books)
    assert _outstanding(b) == _outstanding(a) == [(invoice.number, "325.00")]
    shown = []
    for till in shop:
        with till.open() as company, company.reader() as conn:
            receipts = conn.execute(
                select(settlements.c.amount, settlements.c.mode, settlements.c.reference).where(
                    settlements.c.kind == "receipt", settlements.c.document_id.is_(None)
                )
            ).all()
            typed = sorted(
                (v.voucher_type.value, v.narration, str(v.total), v.reverses is not None)
                for v in ledger_queries.vouchers_between(conn, date(2025, 6, 1), date(2025, 6, 30))
                if v.voucher_type in (VoucherType.JOURNAL, VoucherType.PAYMENT)
            )
            shown.append((receipts, typed))
    assert shown[0] == shown[1]
    assert shown[1][0] == [(D("500.00"), "upi", "UPI 5117")]
    assert [t[:2] for t in shown[1][1]] == [
        ("Journal", "Entered twice"),
        ("Journal", "Salary provision, typed twice"),
        ("Payment", "Shop rent for June"),
    ]
    # Applied once: a second round of syncs posts nothing twice.
    assert _settle(shop) == all_books
    _assert_no_plaintext(pg, CUSTOMER, "UPI 5117", "Shop rent for June", "1500.00", "500.00")


MAIN = GodownId(1)
BEGIN = date(2025, 4, 1)


def _item_id(company: Company) -> int:
    with company.reader() as conn:
        return stock_queries.item_by_name(conn, ITEM).id


def test_godowns_accounts_and_openings_travel(shop: list[Till], pg: PgServer) -> None:
    """Till A adds a godown, a ledger account by hand, opening stock in that godown and a
    customer with an opening balance, sells from the new godown and pays into the new
    account (then renames it): till B makes the same through its own services, so both
    have the same trial balance and the same stock per item and godown."""
    a, b = shop
    with a.open() as company:
        back = add_godown(company, "Back Store", "Behind the shop")
        deposit = add_account(company, "Electricity Deposit", "Deposits (Asset)")
        item = _item_id(company)
        set_opening_stock(company, back, [StockLine(item, D("30"), value=D("10500.00"))])
        customer = add_party(
            company,
            PartyDraft(CUSTOMER, PartyKind.CUSTOMER, state_code="27", opening_balance=D("2500")),
        )
        line = DraftLine(
            ITEM,
            D("4"),
            D("412.50"),
            D("5"),
            item_id=item,
            hsn="1006",
            price_includes_tax=True,
            godown_id=back,
        )
        post_document(
            company, DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 3), (line,), customer)
        )
        cash = resolve_accounts(company, ["Cash"])["Cash"]
        post_voucher(
            company,
            Voucher(
                VoucherType.PAYMENT,
                date(2025, 6, 5),
                (Line(deposit, D("3000.00")), Line(cash, D("-3000.00"))),
                "Deposit with the electricity board",
            ),
        )
        with company.unit_of_work() as uow:
            rename_account_in(uow, deposit, "MSEB Deposit")
            uow.commit()
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[1].godown_stock == (
        (ITEM, "Back Store", "26.000"),
        (ITEM, "Main Godown", "100.000"),
    )
    balances = dict(all_books[1].balances)  # by name, ignoring case
    assert balances["mseb deposit"] == "3000.00" and "electricity deposit" not in balances
    assert balances[CUSTOMER.casefold()] == "4150.00"  # the opening 2,500 and the bill
    with b.open() as company, company.reader() as conn:
        godown = stock_queries.godown_by_name(conn, "back store")
        assert (godown.name, godown.address, godown.active) == (
            "Back Store",
            "Behind the shop",
            True,
        )
        chart = {acc.name: acc for acc in ledger_queries.chart(conn)}
        party = billing_queries.party_by_name(conn, CUSTOMER).id
        assert [amount for _, amount in billing_queries.opening_journals(conn, party)] == [
            D("2500.00")
        ]
        held = sync_service.status(company).quarantined
    assert "MSEB Deposit" in chart and held == 0
    # Applied once: a second round of syncs makes nothing twice.
    assert _settle(shop) == all_books
    _assert_no_plaintext(pg, "Back Store", "Behind the shop", "MSEB Deposit", "10500.00")


def _openings(till: Till) -> tuple[str, tuple[str, str]]:
    with till.open() as company, company.reader() as conn:
        party = billing_queries.party_by_name(conn, CUSTOMER).id
        balance = sum((x for _, x in billing_queries.opening_journals(conn, party)), D("0"))
        _, qty, value = opening_stock(conn, _item_id(company), MAIN, BEGIN)
    return str(balance), (str(qty), str(value))


def test_an_opening_changed_on_two_tills_offline_keeps_the_later(shop: list[Till]) -> None:
    """The same opening balance and the same opening stock changed on both tills offline:
    the later write wins on both (re-made there through billing and inventory), and each
    till logs the one that lost."""
    a, b = shop
    with a.open() as company:
        add_party(
            company,
            PartyDraft(CUSTOMER, PartyKind.CUSTOMER, state_code="27", opening_balance=D("1000")),
        )
    _settle(shop)
    assert _openings(b) == ("1000.00", ("0.000", "0.00"))
    with a.open() as company:
        with company.reader() as conn:
            party = billing_queries.party_by_name(conn, CUSTOMER).id
        set_opening_balance(company, party, D("2000.00"))
        set_opening_stock(company, MAIN, [StockLine(_item_id(company), D("10"), value=D("3500"))])
    with b.open() as company:  # later: wins everywhere
        with company.reader() as conn:
            party = billing_queries.party_by_name(conn, CUSTOMER).id
        set_opening_balance(company, party, D("3000.00"))
        set_opening_stock(company, MAIN, [StockLine(_item_id(company), D("4"), value=D("1400"))])
    all_books = _settle(shop)
    _assert_same(all_books)
    assert all_books[0].stock == D("104")  # the purchase's 100 and B's opening 4, not A's 10
    assert _openings(a) == _openings(b) == ("3000.00", ("4.000", "1400.00"))
    for till in shop:
        with till.open() as company:
            logged = [c for c in sync_service.conflicts(company) if c.table == "openings"]
        assert sorted((c.record, json.loads(c.kept), json.loads(c.lost)) for c in logged) == [
            (f"Opening balance of {CUSTOMER}", "3000.00", "2000.00"),
            (
                f"Opening stock of {ITEM} in Main Godown on 2025-04-01",
                {"qty": "4.000", "value": "1400.00"},
                {"qty": "10.000", "value": "3500.00"},
            ),
        ]
