"""Reads over billing: parties, posted documents, what is still owed and how old it is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, RowMapping, bindparam, exists, or_, select

from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentId,
    Export,
    Irn,
    PartyId,
    PartyKind,
    PostedDocument,
    PostedLine,
)
from app.billing.tables import allocations, document_lines, documents, parties, settlements
from app.errors import NotFound
from app.gst import SellerScheme, Taxability
from app.ledger.model import VoucherId
from app.ledger.tables import postings, vouchers
from app.money import ZERO


@dataclass(frozen=True)
class PartyView:
    id: PartyId
    name: str
    kind: PartyKind
    gstin: str | None
    state_code: str
    billing_address: str
    billing_pin: str
    shipping_address: str
    shipping_state: str
    shipping_pin: str
    phone: str
    email: str
    credit_limit: Decimal | None
    credit_days: int
    composition: bool
    account_id: int
    active: bool

    @property
    def counterparty(self) -> Counterparty:
        shipping = (
            Address(self.shipping_address, self.shipping_state, self.shipping_pin)
            if self.shipping_address or self.shipping_state
            else None
        )
        return Counterparty(
            name=self.name,
            gstin=self.gstin,
            state_code=self.state_code,
            billing=Address(self.billing_address, self.state_code, self.billing_pin),
            shipping=shipping,
            phone=self.phone,
        )


def _party(row: RowMapping) -> PartyView:
    return PartyView(
        id=PartyId(row["id"]),
        name=row["name"],
        kind=PartyKind(row["kind"]),
        gstin=row["gstin"],
        state_code=row["state_code"],
        billing_address=row["billing_address"],
        billing_pin=row["billing_pin"],
        shipping_address=row["shipping_address"],
        shipping_state=row["shipping_state"],
        shipping_pin=row["shipping_pin"],
        phone=row["phone"],
        email=row["email"],
        credit_limit=row["credit_limit"],
        credit_days=row["credit_days"],
        composition=bool(row["composition"]),
        account_id=row["account_id"],
        active=bool(row["active"]),
    )


_PARTY = select(parties).where(parties.c.id == bindparam("id"))  # built once: every sale


def party(conn: Connection, party_id: PartyId | int) -> PartyView:
    row = conn.execute(_PARTY, {"id": party_id}).mappings().first()
    if row is None:
        raise NotFound(f"There is no party {party_id}.")
    return _party(row)


def party_by_name(conn: Connection, name: str) -> PartyView:
    cleaned = " ".join(name.split())
    row = conn.execute(select(parties).where(parties.c.name == cleaned)).mappings().first()
    if row is None:
        raise NotFound(f"There is no customer or supplier named {cleaned!r}.")
    return _party(row)


OPENING_SOURCE = "billing:party-opening"  # the ledger source of a party's opening journal


def opening_journals(conn: Connection, party_id: PartyId | int) -> list[tuple[VoucherId, Decimal]]:
    """A party's opening-balance journals still standing (not reversed), each with what it
    puts on the party's account (+ they owe us); their sum is the opening balance."""
    reversal = vouchers.alias("reversal")
    rows = conn.execute(
        select(vouchers.c.id, postings.c.amount)
        .join(postings, postings.c.voucher_id == vouchers.c.id)
        .join(parties, parties.c.account_id == postings.c.account_id)
        .where(parties.c.id == party_id, vouchers.c.source == OPENING_SOURCE)
        .where(~exists().where(reversal.c.reverses_id == vouchers.c.id))
        .order_by(vouchers.c.id)
    )
    return [(VoucherId(r.id), r.amount) for r in rows]


def find_parties(conn: Connection, term: str, limit: int = 20) -> list[PartyView]:
    """By name, phone (last digits are enough) or GSTIN, as the counter looks people up."""
    cleaned = " ".join(term.split())
    if not cleaned:
        query = select(parties).order_by(parties.c.name)
    else:
        like = "%" + cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            select(parties)
            .where(
                or_(
                    parties.c.name.like(like, escape="\\"),
                    parties.c.phone.like(like, escape="\\"),
                    parties.c.gstin == cleaned.upper(),
                )
            )
            .order_by(parties.c.name)
        )
    return [_party(row) for row in conn.execute(query.limit(limit)).mappings()]


# Documents -------------------------------------------------------------------------------


def _line(row: RowMapping) -> PostedLine:
    return PostedLine(
        line_no=row["line_no"],
        item_id=row["item_id"],
        description=row["description"],
        hsn=row["hsn"],
        uqc=row["uqc"],
        qty=row["qty"],
        unit_price=row["unit_price"],
        price_includes_tax=bool(row["price_includes_tax"]),
        discount_pct=row["discount_pct"],
        gross=row["gross"],
        discount=row["discount"],
        taxable=row["taxable"],
        gst_rate=row["gst_rate"],
        cess_rate=row["cess_rate"],
        cgst=row["cgst"],
        sgst=row["sgst"],
        igst=row["igst"],
        cess=row["cess"],
        taxability=Taxability(row["taxability"]),
    )


def _document(row: RowMapping, lines: tuple[PostedLine, ...]) -> PostedDocument:
    shipping = (
        Address(row["cp_ship_address"] or "", row["cp_ship_state"] or "", row["cp_ship_pin"] or "")
        if row["cp_ship_address"] is not None
        else None
    )
    export = (
        Export(
            bool(row["export_with_payment"]),
            row["port_code"],
            row["shipping_bill"],
            row["shipping_bill_date"],
        )
        if row["export_with_payment"] is not None
        else None
    )
    irn = (
        Irn(row["irn"], row["ack_no"] or "", row["ack_date"], row["signed_qr"] or "")
        if row["irn"]
        else None
    )
    return PostedDocument(
        id=DocumentId(row["id"]),
        kind=DocKind(row["kind"]),
        number=row["number"],
        doc_date=row["doc_date"],
        party_id=PartyId(row["party_id"]) if row["party_id"] is not None else None,
        counterparty=Counterparty(
            name=row["cp_name"],
            gstin=row["cp_gstin"],
            state_code=row["cp_state"],
            billing=Address(row["cp_address"], row["cp_state"], row["cp_pin"]),
            shipping=shipping,
            phone=row["cp_phone"],
        ),
        place_of_supply=row["place_of_supply"],
        seller_state=row["seller_state"],
        seller_scheme=SellerScheme(row["seller_scheme"]),
        reverse_charge=bool(row["reverse_charge"]),
        inter_state=bool(row["inter_state"]),
        state_tax_head=row["state_tax_head"],
        lines=lines,
        taxable=row["taxable"],
        cgst=row["cgst"],
        sgst=row["sgst"],
        igst=row["igst"],
        cess=row["cess"],
        round_off=row["round_off"],
        grand_total=row["grand_total"],
        status=DocStatus(row["status"]),
        export=export,
        to_sez=bool(row["to_sez"]),
        original_id=DocumentId(row["original_id"]) if row["original_id"] else None,
        original_number=row["original_number"],
        original_date=row["original_date"],
        reason=row["reason"],
        itc_eligible=bool(row["itc_eligible"]),
        our_reference=row["our_reference"],
        irn=irn,
        notes=row["notes"],
        voucher_id=row["voucher_id"],
    )


def _with_lines(conn: Connection, rows: Sequence[RowMapping]) -> list[PostedDocument]:
    by_doc: dict[int, list[PostedLine]] = defaultdict(list)
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), 900):  # SQLite's limit on bound parameters
        chunk = ids[start : start + 900]
        query = (
            select(document_lines)
            .where(document_lines.c.document_id.in_(chunk))
            .order_by(document_lines.c.document_id, document_lines.c.line_no)
        )
        for line in conn.execute(query).mappings():
            by_doc[line["document_id"]].append(_line(line))
    return [_document(row, tuple(by_doc[row["id"]])) for row in rows]


def document(conn: Connection, document_id: DocumentId | int) -> PostedDocument:
    row = conn.execute(select(documents).where(documents.c.id == document_id)).mappings().first()
    if row is None:
        raise NotFound(f"There is no document {document_id}.")
    return _with_lines(conn, [row])[0]


def document_by_number(
    conn: Connection, number: str, kind: DocKind | None = None
) -> PostedDocument:
    wanted = number.strip()
    # A supplier's bill is found by its number or by our own reference for it.
    query = select(documents).where(
        or_(documents.c.number == wanted, documents.c.our_reference == wanted)
    )
    if kind is not None:
        query = query.where(documents.c.kind == kind.value)
    rows = conn.execute(query.order_by(documents.c.id.desc())).mappings().all()
    if not rows:
        raise NotFound(f"There is no document numbered {number!r}.")
    return _with_lines(conn, rows[:1])[0]


def documents_between(
    conn: Connection, start: date, end: date, kinds: Iterable[DocKind] | None = None
) -> list[PostedDocument]:
    """Documents dated within [start, end], cancelled ones included, by date then id."""
    query = select(documents).where(documents.c.doc_date.between(start, end))
    if kinds is not None:
        query = query.where(documents.c.kind.in_([k.value for k in kinds]))
    rows = conn.execute(query.order_by(documents.c.doc_date, documents.c.id)).mappings().all()
    return _with_lines(conn, rows)


@dataclass(frozen=True)
class DocumentRow:
    """One line of a register: enough to list, filter and open a document."""

    id: DocumentId
    kind: DocKind
    number: str
    doc_date: date
    party: str
    gstin: str | None
    taxable: Decimal
    tax: Decimal
    grand_total: Decimal
    status: DocStatus


def register(
    conn: Connection,
    start: date,
    end: date,
    kinds: Iterable[DocKind],
    term: str = "",
    limit: int | None = None,
) -> list[DocumentRow]:
    c = documents.c
    query = select(
        c.id,
        c.kind,
        c.number,
        c.doc_date,
        c.cp_name,
        c.cp_gstin,
        c.taxable,
        c.cgst,
        c.sgst,
        c.igst,
        c.cess,
        c.grand_total,
        c.status,
    ).where(c.doc_date.between(start, end), c.kind.in_([k.value for k in kinds]))
    if term.strip():
        like = f"%{term.strip()}%"
        query = query.where(or_(c.number.like(like), c.cp_name.like(like)))
    query = query.order_by(c.doc_date.desc(), c.id.desc())
    if limit:
        query = query.limit(limit)
    return [
        DocumentRow(
            DocumentId(r.id),
            DocKind(r.kind),
            r.number,
            r.doc_date,
            r.cp_name,
            r.cp_gstin,
            r.taxable,
            r.cgst + r.sgst + r.igst + r.cess,
            r.grand_total,
            DocStatus(r.status),
        )
        for r in conn.execute(query)
    ]


# What is owed ----------------------------------------------------------------------------

_OPENABLE = (
    DocKind.SALES_INVOICE,
    DocKind.BILL_OF_SUPPLY,
    DocKind.DEBIT_NOTE,
    DocKind.PURCHASE_BILL,
)


@dataclass(frozen=True)
class OpenDocument:
    id: DocumentId
    number: str
    doc_date: date
    due_date: date
    grand_total: Decimal
    outstanding: Decimal


def open_documents(conn: Connection, party_id: PartyId | int) -> list[OpenDocument]:
    """Invoices and bills of one party with money still owed, oldest first.

    Outstanding = total - paid with it - receipts allocated to it - notes against it that were
    not refunded in cash (a credit note on account reduces the invoice it corrects)."""
    days = conn.execute(select(parties.c.credit_days).where(parties.c.id == party_id)).scalar()
    if days is None:
        raise NotFound(f"There is no party {party_id}.")
    rows = conn.execute(
        select(documents.c.id, documents.c.number, documents.c.doc_date, documents.c.grand_total)
        .where(
            documents.c.party_id == party_id,
            documents.c.status == DocStatus.POSTED.value,
            documents.c.kind.in_([k.value for k in _OPENABLE]),
        )
        .order_by(documents.c.doc_date, documents.c.id)
    ).all()
    ids = [row.id for row in rows]
    settled = _settled(conn, ids)
    return [
        OpenDocument(
            DocumentId(row.id),
            row.number,
            row.doc_date,
            row.doc_date + timedelta(days=days),
            row.grand_total,
            row.grand_total - settled.get(row.id, ZERO),
        )
        for row in rows
        if row.grand_total - settled.get(row.id, ZERO) > 0
    ]


def _settled(conn: Connection, ids: list[int]) -> dict[int, Decimal]:
    settled: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if not ids:
        return settled
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for doc_id, amount in conn.execute(
            select(settlements.c.document_id, settlements.c.amount).where(
                settlements.c.document_id.in_(chunk)
            )
        ):
            settled[doc_id] += amount
        for doc_id, amount in conn.execute(
            select(allocations.c.document_id, allocations.c.amount).where(
                allocations.c.document_id.in_(chunk)
            )
        ):
            settled[doc_id] += amount
        notes = conn.execute(
            select(documents.c.id, documents.c.original_id, documents.c.grand_total).where(
                documents.c.original_id.in_(chunk),
                documents.c.status == DocStatus.POSTED.value,
                documents.c.kind.in_([DocKind.CREDIT_NOTE.value, DocKind.PURCHASE_RETURN.value]),
            )
        ).all()
        refunded: dict[int, Decimal] = defaultdict(lambda: ZERO)
        if notes:
            for note_id, amount in conn.execute(
                select(settlements.c.document_id, settlements.c.amount).where(
                    settlements.c.document_id.in_([n.id for n in notes])
                )
            ):
                refunded[note_id] += amount
        for note in notes:
            settled[note.original_id] += note.grand_total - refunded[note.id]
    return settled


@dataclass(frozen=True)
class Ageing:
    """What a party owes (or is owed), by how long past the due date."""

    party_id: PartyId
    name: str
    not_due: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal

    @property
    def total(self) -> Decimal:
        return self.not_due + self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90


def ageing(conn: Connection, as_of: date, kind: PartyKind = PartyKind.CUSTOMER) -> list[Ageing]:
    wanted = (
        [kind.value, PartyKind.BOTH.value]
        if kind is not PartyKind.BOTH
        else [k.value for k in PartyKind]
    )
    result = []
    for row in conn.execute(
        select(parties.c.id, parties.c.name)
        .where(parties.c.kind.in_(wanted))
        .order_by(parties.c.name)
    ):
        buckets = [ZERO] * 5
        for doc in open_documents(conn, row.id):
            if doc.doc_date > as_of:
                continue
            late = (as_of - doc.due_date).days
            index = (
                0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
            )
            buckets[index] += doc.outstanding
        if any(buckets):
            result.append(Ageing(PartyId(row.id), row.name, *buckets))
    return result
