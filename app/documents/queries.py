"""Reads over stored bills: the list with filters, one bill with its fields, its pages and
its file, full-text search, the links between bills and vouchers, and a bill proposed as a
purchase entry (supplier and items matched against the books)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, func, select, text

from app.billing.model import DocKind, PartyId
from app.billing.service import ROUNDING_SETTING
from app.billing.tables import documents, parties
from app.documents.bill import (
    BillProposal,
    ProposedLine,
    SupplierMatch,
    bill_totals,
    total_problem,
)
from app.documents.stored import (
    FieldState,
    PageImage,
    StoredDocumentId,
    StoredStatus,
    as_date,
    as_decimal,
    effective_fields,
)
from app.documents.tables import (
    DOCUMENT_SEARCH,
    stored_document_files,
    stored_document_pages,
    stored_documents,
)
from app.errors import NotFound
from app.gst import Rounding, allowed_rates
from app.inventory import queries as stock_queries
from app.inventory.model import hsn_problem
from app.inventory.tables import items
from app.money import ZERO
from app.storage.company import CompanyProfile
from app.storage.settings import choice

LIST_LIMIT = 500


def no_such_document(doc_id: int) -> NotFound:
    return NotFound(f"There is no stored document {doc_id}; `bahi doc list` shows them.")


def by_hash(conn: Connection, content_hash: str) -> StoredDocumentId | None:
    found = conn.execute(
        select(stored_documents.c.id).where(stored_documents.c.content_hash == content_hash)
    ).scalar()
    return None if found is None else StoredDocumentId(int(found))


@dataclass(frozen=True)
class StoredRow:
    """One line of the documents list."""

    id: StoredDocumentId
    source_name: str
    imported_at: str
    status: StoredStatus
    page_count: int
    supplier_name: str
    supplier_gstin: str | None
    invoice_number: str
    invoice_date: date | None
    grand_total: Decimal | None
    billing_document_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.source_name,
            "imported_at": self.imported_at,
            "status": self.status.value,
            "pages": self.page_count,
            "supplier_name": self.supplier_name or None,
            "supplier_gstin": self.supplier_gstin,
            "invoice_number": self.invoice_number or None,
            "invoice_date": self.invoice_date.isoformat() if self.invoice_date else None,
            "grand_total": None if self.grand_total is None else str(self.grand_total),
            "billing_document_id": self.billing_document_id,
        }


_ROW_COLUMNS = (
    stored_documents.c.id,
    stored_documents.c.source_name,
    stored_documents.c.imported_at,
    stored_documents.c.status,
    stored_documents.c.page_count,
    stored_documents.c.supplier_name,
    stored_documents.c.supplier_gstin,
    stored_documents.c.invoice_number,
    stored_documents.c.invoice_date,
    stored_documents.c.grand_total,
    stored_documents.c.billing_document_id,
)


def _row(row: RowMapping) -> StoredRow:
    return StoredRow(
        id=StoredDocumentId(row["id"]),
        source_name=row["source_name"],
        imported_at=row["imported_at"],
        status=StoredStatus(row["status"]),
        page_count=row["page_count"],
        supplier_name=row["supplier_name"],
        supplier_gstin=row["supplier_gstin"],
        invoice_number=row["invoice_number"],
        invoice_date=row["invoice_date"],
        grand_total=row["grand_total"],
        billing_document_id=row["billing_document_id"],
    )


def _like(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


def list_documents(
    conn: Connection,
    *,
    supplier: str | None = None,
    start: date | None = None,
    end: date | None = None,
    min_total: Decimal | None = None,
    max_total: Decimal | None = None,
    status: StoredStatus | None = None,
    limit: int = LIST_LIMIT,
) -> list[StoredRow]:
    """Newest first. ``supplier`` matches part of the name or the whole GSTIN; the dates are
    the bills' own dates; the amounts their grand totals."""
    query: Select[Any] = select(*_ROW_COLUMNS)
    if supplier and supplier.strip():
        wanted = " ".join(supplier.split())
        query = query.where(
            stored_documents.c.supplier_name.like(_like(wanted), escape="\\")
            | (stored_documents.c.supplier_gstin == wanted.upper())
        )
    if start is not None:
        query = query.where(stored_documents.c.invoice_date >= start)
    if end is not None:
        query = query.where(stored_documents.c.invoice_date <= end)
    if min_total is not None:
        query = query.where(stored_documents.c.grand_total >= min_total)
    if max_total is not None:
        query = query.where(stored_documents.c.grand_total <= max_total)
    if status is not None:
        query = query.where(stored_documents.c.status == status.value)
    query = query.order_by(stored_documents.c.id.desc()).limit(limit)
    return [_row(row) for row in conn.execute(query).mappings()]


@dataclass(frozen=True)
class StoredView:
    """One stored bill for review: the fields with confidences, the items and problems read,
    and the purchase bill it became."""

    row: StoredRow
    kind: str
    media_type: str
    byte_size: int
    imported_by: str
    fields: tuple[FieldState, ...]
    lines: tuple[dict[str, Any], ...]
    problems: tuple[dict[str, Any], ...]
    einvoice: dict[str, Any] | None
    page_sources: tuple[str, ...]
    note: str
    billing_number: str | None  # the supplier's number on the posted purchase bill
    billing_reference: str | None  # our own reference for it ("PB/25-26/3")
    voucher_id: int | None

    def field(self, name: str) -> FieldState:
        return next(f for f in self.fields if f.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.row.to_json(),
            "kind": self.kind,
            "media_type": self.media_type,
            "bytes": self.byte_size,
            "imported_by": self.imported_by,
            "fields": {f.name: f.value for f in self.fields},
            "confidence": {f.name: round(f.confidence, 3) for f in self.fields},
            "sources": {f.name: f.source for f in self.fields},
            "regions": {f.name: f.region for f in self.fields},
            "corrected": sorted(f.name for f in self.fields if f.corrected),
            "lines": list(self.lines),
            "problems": list(self.problems),
            "einvoice": self.einvoice,
            "note": self.note,
            "purchase_bill": None
            if self.row.billing_document_id is None
            else {
                "id": self.row.billing_document_id,
                "number": self.billing_number,
                "reference": self.billing_reference,
                "voucher_id": self.voucher_id,
            },
        }


def stored_document(conn: Connection, doc_id: int) -> StoredView:
    row = (
        conn.execute(select(stored_documents).where(stored_documents.c.id == doc_id))
        .mappings()
        .first()
    )
    if row is None:
        raise no_such_document(doc_id)
    extracted = json.loads(row["extracted"])
    corrections = json.loads(row["corrections"])
    billing = None
    if row["billing_document_id"] is not None:
        billing = conn.execute(
            select(documents.c.number, documents.c.our_reference, documents.c.voucher_id).where(
                documents.c.id == row["billing_document_id"]
            )
        ).first()
    sources = conn.execute(
        select(stored_document_pages.c.text_source)
        .where(stored_document_pages.c.document_id == doc_id)
        .order_by(stored_document_pages.c.page_no)
    ).scalars()
    return StoredView(
        row=_row(row),
        kind=row["kind"],
        media_type=row["media_type"],
        byte_size=row["byte_size"],
        imported_by=row["imported_by"],
        fields=effective_fields(extracted, corrections),
        lines=tuple(extracted.get("lines", ())),
        problems=tuple(extracted.get("problems", ())),
        einvoice=extracted.get("einvoice"),
        page_sources=tuple(sources),
        note=row["note"],
        billing_number=billing.number if billing else None,
        billing_reference=billing.our_reference if billing else None,
        voucher_id=billing.voucher_id if billing else None,
    )


def page_image(conn: Connection, doc_id: int, page_no: int) -> PageImage:
    row = conn.execute(
        select(stored_document_pages).where(
            stored_document_pages.c.document_id == doc_id,
            stored_document_pages.c.page_no == page_no,
        )
    ).first()
    if row is None:
        raise NotFound(f"Stored document {doc_id} has no page {page_no}.")
    return PageImage(
        row.page_no, row.media_type, row.width, row.height, bytes(row.data), row.text_source
    )


def document_text(conn: Connection, doc_id: int) -> tuple[str, ...]:
    """The words read from each page that was read, in reading order (one string a page):
    what the search index keeps, for a second look at a bill without reading it again."""
    body = conn.execute(
        text(f"SELECT body FROM {DOCUMENT_SEARCH} WHERE rowid = :id"), {"id": doc_id}
    ).scalar_one_or_none()
    if body is None:
        raise no_such_document(doc_id)
    return tuple(str(body).split("\n"))


def original_file(conn: Connection, doc_id: int) -> bytes:
    data = conn.execute(
        select(stored_document_files.c.data).where(stored_document_files.c.document_id == doc_id)
    ).scalar()
    if data is None:
        raise no_such_document(doc_id)
    return bytes(data)


# Search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    row: StoredRow
    snippet: str  # the words around the match, the match in [brackets]


def fts_query(term: str) -> str | None:
    """Each word as a quoted FTS5 phrase, all required; the last one as a prefix, so results
    come while typing. Punctuation inside a word (INV/25-26/7) stays a phrase."""
    # Control characters (a NUL ends FTS5's string early) are never part of a bill's words.
    printable = "".join(c if c.isprintable() else " " for c in term)
    words = [w for w in printable.split() if re.search(r"\w", w)]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += " *"
    return " AND ".join(quoted)


def search_documents(conn: Connection, term: str, limit: int = 100) -> list[SearchHit]:
    """Full-text search over file names, key fields and every word read, best match first."""
    query = fts_query(term)
    if query is None:
        return []
    hits = conn.execute(
        text(
            f"SELECT rowid, snippet({DOCUMENT_SEARCH}, -1, '[', ']', '…', 12) AS snip "
            f"FROM {DOCUMENT_SEARCH} WHERE {DOCUMENT_SEARCH} MATCH :q ORDER BY rank LIMIT :n"
        ),
        {"q": query, "n": limit},
    ).all()
    if not hits:
        return []
    rows = {
        r["id"]: _row(r)
        for r in conn.execute(
            select(*_ROW_COLUMNS).where(stored_documents.c.id.in_([h.rowid for h in hits]))
        ).mappings()
    }
    return [SearchHit(rows[h.rowid], h.snip) for h in hits if h.rowid in rows]


# Links between bills and the books ---------------------------------------------------------


def for_billing_document(conn: Connection, billing_document_id: int) -> list[StoredRow]:
    """The stored bill(s) a posted purchase bill was made from."""
    query = select(*_ROW_COLUMNS).where(
        stored_documents.c.billing_document_id == billing_document_id
    )
    return [_row(row) for row in conn.execute(query).mappings()]


def for_voucher(conn: Connection, voucher_id: int) -> list[StoredRow]:
    """The stored bill(s) behind a voucher (through the purchase bill that posted it)."""
    query = (
        select(*_ROW_COLUMNS)
        .join(documents, documents.c.id == stored_documents.c.billing_document_id)
        .where(documents.c.voucher_id == voucher_id)
    )
    return [_row(row) for row in conn.execute(query).mappings()]


@dataclass(frozen=True)
class BillInBooks:
    billing_document_id: int
    message: str


def bill_in_books(conn: Connection, gstin: str | None, number: str) -> BillInBooks | None:
    """The purchase bill already posted for this supplier GSTIN and bill number, if any."""
    if not gstin or not number.strip():
        return None
    first = conn.execute(
        select(documents.c.id, documents.c.our_reference, documents.c.doc_date)
        .where(
            documents.c.kind == DocKind.PURCHASE_BILL.value,
            documents.c.cp_gstin == gstin,
            func.upper(documents.c.number) == number.strip().upper(),
        )
        .order_by(documents.c.id)
    ).first()
    if first is None:
        return None
    stored = conn.execute(
        select(stored_documents.c.id).where(stored_documents.c.billing_document_id == first.id)
    ).scalar()
    source = f" (stored document {stored})" if stored is not None else ""
    return BillInBooks(
        first.id,
        f"Bill {number.strip()} from {gstin} is already in the books as purchase bill "
        f"{first.our_reference} of {first.doc_date:%d-%m-%Y}{source}; it is not posted twice.",
    )


# Proposals --------------------------------------------------------------------------------


def propose_bill(conn: Connection, profile: CompanyProfile, doc_id: int) -> BillProposal:
    """The stored bill as a purchase entry: supplier matched by GSTIN (then name) or
    proposed as new, items matched by name then HSN, one rate for the bill's lines."""
    view = stored_document(conn, doc_id)
    value = {f.name: f.value for f in view.fields}
    supplier = match_supplier(conn, value.get("supplier_name"), value.get("supplier_gstin"))
    problems: list[str] = [p["message"] for p in view.problems]
    gst_rate = _bill_rate(value, problems)
    cess_rate = as_decimal(value.get("cess_rate")) or ZERO
    lines = [
        line
        for raw in view.lines
        if (line := _proposed_line(conn, raw, gst_rate, cess_rate, problems)) is not None
    ]
    taxable = as_decimal(value.get("taxable_value"))
    if not lines and taxable is not None:
        lines.append(
            ProposedLine(
                f"Purchases as per bill {value.get('invoice_number') or ''}".strip(),
                "",
                Decimal(1),
                taxable,
                gst_rate,
                cess_rate,
            )
        )
    pos = value.get("place_of_supply")
    proposal = BillProposal(
        document_id=StoredDocumentId(doc_id),
        supplier=supplier,
        number=value.get("invoice_number") or "",
        bill_date=as_date(value.get("invoice_date")),
        place_of_supply=pos if pos else None,
        lines=tuple(lines),
        bill_total=as_decimal(value.get("grand_total")),
    )
    first = bill_in_books(conn, supplier.gstin, proposal.number)
    problem = total_problem(proposal, bill_totals(proposal, profile.state_code, rounding(conn)))
    if problem:
        problems.append(problem)
    return replace(
        proposal,
        problems=tuple(problems),
        duplicate_of=first.message if first is not None else None,
    )


def rounding(conn: Connection) -> Rounding:
    return Rounding(choice(conn, ROUNDING_SETTING, tuple(r.value for r in Rounding)))


def match_supplier(conn: Connection, name: str | None, gstin: str | None) -> SupplierMatch:
    by_gstin = (
        conn.execute(select(parties.c.id, parties.c.name).where(parties.c.gstin == gstin)).first()
        if gstin
        else None
    )
    if by_gstin is not None:
        return SupplierMatch(PartyId(by_gstin.id), by_gstin.name, gstin, "gstin")
    cleaned = " ".join((name or "").split())
    if cleaned:
        by_name = conn.execute(
            select(parties.c.id, parties.c.name, parties.c.gstin).where(parties.c.name == cleaned)
        ).first()
        # A namesake with another GSTIN is a different business: propose a new party.
        if by_name is not None and (by_name.gstin is None or by_name.gstin == gstin):
            return SupplierMatch(PartyId(by_name.id), by_name.name, gstin, "name")
    state = gstin[:2] if gstin else ""
    return SupplierMatch(None, cleaned, gstin, "new", state)


def _bill_rate(value: dict[str, str | None], problems: list[str]) -> Decimal:
    igst = as_decimal(value.get("igst_rate"))
    cgst = as_decimal(value.get("cgst_rate"))
    sgst = as_decimal(value.get("sgst_rate"))
    rate = igst if igst else (cgst or ZERO) + (sgst or cgst or ZERO)
    on = as_date(value.get("invoice_date")) or date.today()
    if rate not in allowed_rates(on):
        problems.append("No single GST rate was read for the bill; set each line's GST %.")
        return ZERO
    return rate


def _proposed_line(
    conn: Connection,
    raw: dict[str, Any],
    gst_rate: Decimal,
    cess_rate: Decimal,
    problems: list[str],
) -> ProposedLine | None:
    qty = as_decimal(raw.get("quantity"))
    rate = as_decimal(raw.get("rate"))
    amount = as_decimal(raw.get("amount"))
    if qty is None or rate is None or qty <= 0:
        if amount is None:
            return None
        qty, rate = Decimal(1), amount
    description = " ".join(str(raw.get("description") or "").split())[:300] or "Item"
    hsn = str(raw.get("hsn") or "")
    if hsn_problem(hsn):
        problems.append(f"HSN {hsn!r} of {description!r} was not read cleanly; left empty.")
        hsn = ""
    item_id, item_name, how, uqc = match_item(conn, description, hsn)
    return ProposedLine(
        description, hsn, qty, rate, gst_rate, cess_rate, item_id, item_name, how, uqc
    )


def match_item(conn: Connection, description: str, hsn: str) -> tuple[int | None, str, str, str]:
    """(item id, name, how, unit): by name, then the only item with that HSN, else none."""
    try:
        found = stock_queries.item_by_name(conn, description)
    except NotFound:
        pass
    else:
        return found.id, found.name, "name", found.unit
    if hsn:
        same = conn.execute(
            select(items.c.id, items.c.name, items.c.unit)
            .where(items.c.hsn == hsn, items.c.active.is_(True))
            .limit(2)
        ).all()
        if len(same) == 1:
            return same[0].id, same[0].name, "hsn", same[0].unit
    searched = stock_queries.search_items(conn, description, limit=2)
    if len(searched) == 1:
        return searched[0].id, searched[0].name, "name", searched[0].unit
    return None, "", "", "NOS"
