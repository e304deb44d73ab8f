"""IRNs between real company files, through the real service and PostgreSQL (schema 5): an
invoice's e-invoice details (IRN, acknowledgement, signed QR), recorded after posting, travel
as their own op under the document's shop-wide id, are recorded on the other till through
billing's ``record_irn_in`` and print on its invoice. Once per document; two tills that
recorded different IRNs offline keep the one recorded first, on both, and log the other."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date

import pdfplumber
import pytest
from sqlalchemy import select

from app.billing import queries as billing_queries
from app.billing.model import DocKind, DocumentDraft, DraftLine, Irn, PartyDraft
from app.billing.parties import add_party
from app.billing.printing import invoice_pdf, letterhead_from, load_template
from app.billing.service import post_document, record_irn
from app.errors import Conflict, NotFound
from app.inventory.service import add_item
from app.ledger.service import lock_period
from app.money import D
from app.storage.company import Company
from app.syncing import service as sync_service
from app.syncing.capture import IRNS, LATER, SCHEMA
from app.syncing.tables import sync_fields, sync_outbox, sync_quarantine
from sync.clock import Timestamp
from sync.merge import decode_change
from tests.billing.test_printing import qr_texts, signed_qr_text
from tests.conftest import CompanyFactory
from tests.factories import audit_rows
from tests.sync.pg import PgServer
from tests.sync.service import Service
from tests.sync.test_company_sync import (
    _assert_no_plaintext,
    _assert_same,
    _item_draft,
    _make_shop,
    _settle,
)
from tests.sync.tills import Till, pair_new

BUYER = "Rao Provision Stores Pvt Ltd"
BUYER_GSTIN = "29AABCR1718E1ZL"  # Karnataka: an inter-state B2B sale from Maharashtra
SOLD_ON = date(2025, 6, 2)
FIRST = "INV-A/2526/0001"


@pytest.fixture
def shop(make_company: CompanyFactory, service: Service) -> Iterator[list[Till]]:
    yield _make_shop(make_company, service, 2)


def _irn(seed: str, ack_no: str = "112510012345678") -> Irn:
    """What the IRP returns: the IRN a SHA-256 in hex, the signed QR a long JWT."""
    irn = hashlib.sha256(seed.encode()).hexdigest()
    return Irn(irn, ack_no, date(2025, 6, 3), signed_qr_text(irn))


def _b2b_sale(company: Company) -> int:
    """A B2B tax invoice to a registered buyer (made here if new); returns its id."""
    try:
        with company.reader() as conn:
            party = billing_queries.party_by_name(conn, BUYER).id
    except NotFound:
        party = add_party(company, PartyDraft(BUYER, gstin=BUYER_GSTIN))
    line = DraftLine("Packing and delivery", D("1"), D("1500.00"), D("18"), hsn="996812")
    draft = DocumentDraft(DocKind.SALES_INVOICE, SOLD_ON, (line,), party_id=party)
    return post_document(company, draft).document.id


def _irn_on(till: Till, number: str = FIRST) -> Irn | None:
    with till.open() as company, company.reader() as conn:
        return billing_queries.document_by_number(conn, number).irn


def _held(till: Till) -> list[str]:
    with till.open() as company, company.reader() as conn:
        return list(conn.execute(select(sync_quarantine.c.message)).scalars())


def _printed(till: Till, number: str = FIRST) -> tuple[str, list[str]]:
    """The invoice as the app prints it there: its text and the QR codes read back."""
    with till.open() as company:
        with company.reader() as conn:
            doc = billing_queries.document_by_number(conn, number)
        out = io.BytesIO()
        invoice_pdf(doc, letterhead_from(company.profile), load_template("classic"), out)
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return text, qr_texts(out.getvalue())


def _outbox(company: Company) -> list[tuple[str, list[str]]]:
    """Each outbox row's kind and its change's op tables, in device_seq order, as they
    stand before the push (a row left for later holds only its documents' ids)."""
    with company.reader() as conn:
        rows = conn.execute(
            select(sync_outbox.c.kind, sync_outbox.c.payload).order_by(sync_outbox.c.device_seq)
        ).all()
    return [
        (
            kind,
            ["documents"] * len(json.loads(payload)["documents"])
            if kind == LATER
            else [op.table for op in decode_change(payload, SCHEMA).ops],
        )
        for kind, payload in rows
    ]


def test_an_irn_travels_to_the_other_till_and_prints_there(shop: list[Till], pg: PgServer) -> None:
    a, b = shop
    with a.open() as company:
        doc = _b2b_sale(company)
    _settle(shop)
    assert _irn_on(b) is None
    irn = _irn("INV-A/2526/0001")
    with a.open() as company:
        record_irn(company, doc, irn)
    all_books = _settle(shop)
    _assert_same(all_books)
    assert _irn_on(b) == irn
    text, codes = _printed(b)
    assert f"IRN {irn.irn}" in text
    assert f"Ack No. {irn.ack_no}" in text and "Ack Date 03-06-2025" in text
    assert irn.signed_qr in codes
    assert _held(a) == _held(b) == []
    # Once: a second round changes nothing, and B cannot be given another IRN for it.
    assert _settle(shop) == all_books
    with b.open() as company:
        assert len(audit_rows(company, "document.irn")) == 1
        with company.reader() as conn:
            doc_b = billing_queries.document_by_number(conn, FIRST).id
        record_irn(company, doc_b, irn)  # the same again is fine
        with pytest.raises(Conflict, match="cannot change"):
            record_irn(company, doc_b, _irn("another"))
    _assert_no_plaintext(pg, irn.irn, irn.ack_no, irn.signed_qr[:40])


def test_a_sale_and_its_irn_before_the_first_push_arrive_in_order(shop: list[Till]) -> None:
    """The sale's outbox row is left for later (its body is built at the push); the IRN's
    row follows it, so the other till posts the sale, then records its IRN."""
    a, b = shop
    irn = _irn("in order")
    with a.open() as company:
        record_irn(company, _b2b_sale(company), irn)
        assert _outbox(company)[-2:] == [(LATER, ["documents"]), ("doc", [IRNS])]
    _settle(shop)
    assert _irn_on(b) == irn
    assert _held(b) == []


def test_a_sale_and_its_irn_made_before_the_shop_travel_in_one_change(
    make_company: CompanyFactory, service: Service
) -> None:
    """Recorded before the company joined a shop: the first sweep sends the audit log (the
    initial upload) as one change, the document before its IRN."""
    first = make_company()
    add_item(first, _item_draft("412.50"))  # the oracle's item
    irn = _irn("before the shop")
    record_irn(first, _b2b_sale(first), irn)
    sync_service.create_shop(first, service.url, device_name="Till A", series_prefix="A")
    other = make_company()
    pair_new(first, other, name="Till B", prefix="B")
    [tables] = [t for _, t in _outbox(first) if IRNS in t]
    assert tables.index("documents") < tables.index(IRNS)
    tills = [Till(c.folder, c.database_key) for c in (first, other)]
    for company in (first, other):
        company.close()
    all_books = _settle(tills)
    _assert_same(all_books)
    assert _irn_on(tills[1], "INV/2526/0001") == irn
    assert _held(tills[1]) == []


def test_an_irn_waits_for_its_document(shop: list[Till]) -> None:
    """Till B's June is locked: the sale is held, and its IRN with it (naming the invoice),
    never dropped; after the unlock both are applied, in order."""
    a, b = shop
    with b.open() as company:
        lock_period(company, date(2025, 6, 30))
    irn = _irn("waits")
    with a.open() as company:
        record_irn(company, _b2b_sale(company), irn)
    a.sync()
    b.sync()
    held = _held(b)
    assert len(held) == 2
    assert any(
        m.startswith(f"The IRN of {FIRST} is for a document that has not reached this device")
        for m in held
    ), held
    assert _irn_on(a) == irn
    with b.open() as company:
        lock_period(company, None)
    all_books = _settle(shop)
    _assert_same(all_books)
    assert _irn_on(b) == irn
    assert _held(b) == []


def _stamp(till: Till) -> Timestamp:
    with till.open() as company, company.reader() as conn:
        [hlc] = conn.execute(select(sync_fields.c.hlc).where(sync_fields.c.tbl == IRNS)).scalars()
    return Timestamp.parse(hlc)


def test_two_tills_record_different_irns_offline(shop: list[Till]) -> None:
    """Both tills record an IRN for the same invoice while apart. The one recorded first
    (the earlier stamp) stays on both; the other is in each till's conflict list, and the
    till whose own IRN lost has it replaced (its audit log says which it replaced)."""
    a, b = shop
    with a.open() as company:
        _b2b_sale(company)
    _settle(shop)
    given = {a.folder: _irn("from till A", "112510000000001")}
    given[b.folder] = _irn("from till B", "112510000000002")
    for till in (b, a):  # B first: its IRN, recorded earlier, is the one kept
        with till.open() as company:
            with company.reader() as conn:
                doc = billing_queries.document_by_number(conn, FIRST).id
            record_irn(company, doc, given[till.folder])
    stamps = {till.folder: _stamp(till) for till in shop}
    winner = min(shop, key=lambda t: stamps[t.folder])
    loser = a if winner is b else b
    kept, lost = given[winner.folder], given[loser.folder]
    all_books = _settle(shop)
    _assert_same(all_books)
    for till in shop:
        assert _irn_on(till) == kept
        assert kept.irn in _printed(till)[0]
        with till.open() as company:
            [conflict] = sync_service.conflicts(company)
            row = (conflict.table, conflict.field, conflict.record)
            assert row == (IRNS, "irn", f"IRN of {FIRST}")
            assert (json.loads(conflict.kept), json.loads(conflict.lost)) == (kept.irn, lost.irn)
            assert conflict.kept_by == stamps[winner.folder].node
        assert _held(till) == []
    with loser.open() as company:
        replaced = audit_rows(company, "document.irn")[-1]
        assert json.loads(replaced["details"])["replaces"] == lost.irn
    # Settled: another round logs nothing new and changes nothing.
    assert _settle(shop) == all_books
    for till in shop:
        with till.open() as company:
            assert len(sync_service.conflicts(company)) == 1


def test_the_same_irn_recorded_on_both_tills_is_no_conflict(shop: list[Till]) -> None:
    with shop[0].open() as company:
        _b2b_sale(company)
    _settle(shop)
    irn = _irn("the portal's one answer")
    for till in shop:
        with till.open() as company:
            with company.reader() as conn:
                doc = billing_queries.document_by_number(conn, FIRST).id
            record_irn(company, doc, irn)
    _assert_same(_settle(shop))
    for till in shop:
        assert _irn_on(till) == irn
        with till.open() as company:
            assert sync_service.conflicts(company) == []
            assert len(audit_rows(company, "document.irn")) == 1
        assert _held(till) == []
