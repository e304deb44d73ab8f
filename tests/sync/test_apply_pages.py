"""Applying received changes in pages: a page that mixes master data, runs of sales (re-posted
as one billing batch), a sale of two documents, a cancellation and a receipt leaves the books
exactly as applying the same changes one per page, in pages of three, or twice over: the same
document numbers, trial balance and stock per godown, and the same as on the device that
made them. A refusal inside a batched run holds back only its own change.

The changes are the sender's real outbox rows (a SQLCipher company capturing its own use
cases), decoded as a pull decodes them; no server is needed for what is tested here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import func, select

import app.syncing  # noqa: F401  (registers the outbox hook)
from app.billing import queries as billing_queries
from app.billing.model import (
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyId,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.numbering import DEVICE_SETTING
from app.billing.parties import add_party
from app.billing.service import cancel_document, post_document, post_documents, record_settlement
from app.inventory import queries as stock_queries
from app.inventory.model import GodownId, ItemDraft
from app.inventory.service import StockLine, add_item, set_opening_stock, update_item
from app.ledger.service import lock_period
from app.money import D
from app.storage.company import Company
from app.storage.settings import write_setting
from app.syncing.capture import SCHEMA, complete_outbox, write_state
from app.syncing.store import CompanyStore, _runs
from app.syncing.tables import sync_applied, sync_outbox, sync_quarantine
from sync.client import Membership, Received
from sync.crypto import DeviceIdentity, EnvelopeHeader, KeyRing, new_id
from sync.merge import DocOp, decode_change
from tests.conftest import CompanyFactory
from tests.sync.tills import CUSTOMER, ITEM, books

SHOP = new_id()
MAIN = GodownId(1)


def _sale(item: int, day: date, party: PartyId | None = None, qty: str = "2") -> DocumentDraft:
    line = DraftLine(ITEM, D(qty), D("450"), D("5"), item_id=item, hsn="1006")
    tenders = () if party else (Tender(PaymentMode.CASH, D("1000")),)
    return DocumentDraft(DocKind.SALES_INVOICE, day, (line,), party_id=party, tenders=tenders)


def _sender(make_company: CompanyFactory) -> tuple[Company, str]:
    """Till A: device code A, capturing; then the day's work, one use case per change."""
    company = make_company()
    device = new_id()
    with company.unit_of_work() as uow:
        write_setting(uow, DEVICE_SETTING, "A")
        write_state(uow.conn, "device_id", device)
        uow.commit()
    item = add_item(company, ItemDraft(ITEM, hsn="1006", gst_rate=D("5"), sale_price=D("450")))
    set_opening_stock(company, MAIN, [StockLine(item, D("50"), value=D("18000"))])
    party = add_party(company, PartyDraft(CUSTOMER, PartyKind.CUSTOMER, state_code="27"))
    june = date(2025, 6, 2)
    first = [post_document(company, _sale(item, june)).document for _ in range(3)]
    credit = post_document(company, _sale(item, june, party)).document  # names the new party
    cancel_document(company, first[1].id, june, "Wrong item billed")
    with company.reader() as conn:
        draft = _item_draft(conn, item)
    update_item(company, item, replace(draft, sale_price=D("475")))
    post_documents(company, [_sale(item, june), _sale(item, june, qty="1")])  # one change
    post_document(company, _sale(item, date(2025, 5, 20)))  # May: a locked month refuses it
    for _ in range(2):
        post_document(company, _sale(item, june))
    record_settlement(
        company, party, june, Tender(PaymentMode.UPI, D("500"), "UPI-1"), [(credit.id, D("500"))]
    )
    return company, device


def _item_draft(conn: Any, item: int) -> ItemDraft:
    row = stock_queries.item(conn, item).item
    return ItemDraft(row.name, hsn=row.hsn, gst_rate=row.gst_rate, sale_price=row.sale_price)


def _changes(company: Company, device: str) -> list[Received]:
    """The outbox as a pull hands it over: bodies built, payloads decoded."""
    with company.unit_of_work() as uow:
        complete_outbox(uow.conn)
        uow.commit()
    with company.reader() as conn:
        rows = conn.execute(
            select(sync_outbox.c.device_seq, sync_outbox.c.payload).order_by(
                sync_outbox.c.device_seq
            )
        ).all()
    return [
        Received(seq, EnvelopeHeader(SHOP, device, seq, 1), decode_change(payload, SCHEMA), 0, b"#")
        for seq, payload in rows
    ]


def _store(company: Company) -> CompanyStore:
    m = Membership("http://unused", SHOP, DeviceIdentity.generate(), KeyRing.generate(), "t", "B")
    return CompanyStore(company, m)


def _apply(company: Company, changes: list[Received], page: int) -> None:
    store = _store(company)
    for start in range(0, len(changes), page):
        chunk = changes[start : start + page]
        store.apply_page(chunk, (), (), chunk[-1].server_seq)


def _held(company: Company) -> list[tuple[int, str]]:
    with company.reader() as conn:
        return [
            (r.server_seq, r.reason)
            for r in conn.execute(select(sync_quarantine).order_by(sync_quarantine.c.server_seq))
        ]


def _cancelled(company: Company) -> list[str]:
    with company.reader() as conn:
        found = billing_queries.documents_between(conn, date(2025, 4, 1), date(2026, 3, 31))
    return sorted(d.number for d in found if d.cancelled)


def _applied(company: Company) -> int:
    with company.reader() as conn:
        return conn.execute(select(func.count()).select_from(sync_applied)).scalar_one()


def test_a_mixed_page_applies_as_one_change_at_a_time(make_company: CompanyFactory) -> None:
    sender, device = _sender(make_company)
    changes = _changes(sender, device)
    # The page really holds runs that go to billing as one batch.
    assert max(len(run) for run in _runs(changes)) >= 3
    kinds = {op.table for c in changes for op in c.change.ops}
    assert {"items", "parties", "documents", "cancellations", "settlements"} <= kinds
    found = {}
    for page in (len(changes), 1, 3):
        receiver = make_company()
        _apply(receiver, changes, page)
        assert _held(receiver) == []
        assert _applied(receiver) == len(changes)
        assert _cancelled(receiver) == ["INV-A/2526/0002"]
        found[page] = books(receiver)
        receiver.close()
    # Twice over (a duplicate delivery): the second pass changes nothing.
    receiver = make_company()
    _apply(receiver, changes, len(changes))
    _apply(receiver, changes, 4)
    found[0] = books(receiver)
    receiver.close()
    assert found[1] == found[3] == found[len(changes)] == found[0]
    mine, theirs = books(sender), found[1]
    assert theirs.books_ok and theirs.integrity == "ok"
    # What the sender's own books say: same numbers, trial balance and stock.
    assert (theirs.numbers, theirs.balances, theirs.stock, theirs.godown_stock) == (
        mine.numbers,
        mine.balances,
        mine.stock,
        mine.godown_stock,
    )
    assert len(theirs.numbers) == 9
    sender.close()


def test_a_refusal_in_a_batched_run_holds_back_only_its_change(
    make_company: CompanyFactory,
) -> None:
    """Up to May is locked on the receiver: the May sale (inside a run of sales) is held
    with its reason; the rest of the run is applied, as when each change has a page of its
    own."""
    sender, device = _sender(make_company)
    changes = _changes(sender, device)
    may = next(
        c.server_seq
        for c in changes
        if any(
            isinstance(op, DocOp) and op.body.get("doc_date") == "2025-05-20" for op in c.change.ops
        )
    )
    assert any(len(run) > 1 and may in {c.server_seq for c in run} for run in _runs(changes))
    opening = next(c.server_seq for c in changes if c.change.ops[-1].table == "openings")
    found = []
    for page in (len(changes), 1):
        receiver = make_company()
        lock_period(receiver, date(2025, 5, 31))
        _apply(receiver, changes, page)
        # The opening stock, dated the first day of the books, is in the locked months too.
        assert _held(receiver) == [(opening, "apply_failed"), (may, "apply_failed")]
        assert _applied(receiver) == len(changes) - 2
        found.append(books(receiver))
        receiver.close()
    assert found[0] == found[1]
    assert "INV-A/2526/0007" not in found[0].numbers and len(found[0].numbers) == 8
    sender.close()
