"""Billing use cases: parties, documents, cancellation, receipts and payments.

Posting a document writes, in one transaction: the document and its lines (with the tax
figures), its voucher through ``ledger.service.post_in``, its stock moves through
``inventory.service.post_stock_in``, money taken with it, and the audit rows. A crash at any
point leaves the whole document or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from app.billing import queries
from app.billing.filing import check_not_filed
from app.billing.model import (
    WALK_IN,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentDraft,
    DocumentId,
    DraftLine,
    Irn,
    PartyId,
    PartyKind,
    PaymentMode,
    PostedDocument,
    PostedLine,
    PostingAccounts,
    Tender,
    draft_problems,
    invoice_lines,
    posted_lines,
    voucher_lines,
)
from app.billing.numbering import (
    Numbering,
    device_code,
    format_number,
    number_problem,
    read_series,
    save_series,
)
from app.billing.tables import (
    allocations,
    document_lines,
    documents,
    parties,
    settlements,
)
from app.errors import Conflict, NotFound, ValidationError
from app.gst import (
    InvoiceTax,
    Rounding,
    SellerScheme,
    TaxInvoiceInput,
    compute_invoice_tax,
    place_of_supply,
    state_by_code,
)
from app.gst.place_of_supply import SupplyKind
from app.inventory.model import BatchId, GodownId, ItemId, Move, MoveKind, StockEntry
from app.inventory.service import post_stock_entries_in, reverse_stock_in
from app.ledger import queries as ledger_queries
from app.ledger import service as ledger
from app.ledger.model import (
    AccountId,
    FinancialYear,
    Line,
    Voucher,
    VoucherId,
    VoucherType,
    financial_year,
)
from app.money import ZERO, has_at_most_paise
from app.storage.access import Permission, require
from app.storage.bulk import insert_rows
from app.storage.company import Company, CompanyProfile
from app.storage.settings import choice, read_setting
from app.storage.uow import UnitOfWork

MAIN_GODOWN = GodownId(1)
SCHEME_SETTING = "gst.scheme"
ROUNDING_SETTING = "gst.rounding"
SEZ_SETTING = "gst.sez_with_payment"  # "1": supplies to SEZ units pay IGST

_VOUCHER_TYPES = {
    DocKind.SALES_INVOICE: VoucherType.SALES,
    DocKind.BILL_OF_SUPPLY: VoucherType.SALES,
    DocKind.DEBIT_NOTE: VoucherType.DEBIT_NOTE,
    DocKind.CREDIT_NOTE: VoucherType.CREDIT_NOTE,
    DocKind.PURCHASE_BILL: VoucherType.PURCHASE,
    DocKind.PURCHASE_RETURN: VoucherType.DEBIT_NOTE,
}
_MOVE_KINDS = {
    DocKind.SALES_INVOICE: MoveKind.SALE,
    DocKind.BILL_OF_SUPPLY: MoveKind.SALE,
    DocKind.CREDIT_NOTE: MoveKind.SALES_RETURN,
    DocKind.PURCHASE_BILL: MoveKind.PURCHASE,
    DocKind.PURCHASE_RETURN: MoveKind.PURCHASE_RETURN,
}
_TENDER_ACCOUNTS = {
    PaymentMode.CASH: ("cash", "Cash", "Cash-in-Hand"),
    PaymentMode.UPI: ("upi_collections", "UPI Collections", "Bank Accounts"),
    PaymentMode.CARD: ("card_collections", "Card Collections", "Bank Accounts"),
    PaymentMode.BANK: ("bank", "Bank", "Bank Accounts"),
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# Documents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    document: PostedDocument
    change: Decimal  # cash to hand back at the counter
    warnings: tuple[str, ...]  # negative stock and the like: posted, but worth saying


def post_document(company: Company, draft: DocumentDraft) -> Posted:
    return post_documents(company, [draft])[0]


def post_documents(company: Company, drafts: Sequence[DocumentDraft]) -> list[Posted]:
    """Post all or none, in one transaction."""
    with company.unit_of_work() as uow:
        posted = post_documents_in(uow, company.profile, drafts)
        uow.commit()
    return posted


def _permission(kind: DocKind) -> Permission:
    return Permission.BILL if kind.outward else Permission.POST_VOUCHERS


def post_document_in(uow: UnitOfWork, profile: CompanyProfile, draft: DocumentDraft) -> Posted:
    return post_documents_in(uow, profile, [draft])[0]


@dataclass(frozen=True)
class _Ready:
    """A checked document with its figures, number and voucher, not yet written."""

    draft: DocumentDraft
    document: PostedDocument
    tenders: tuple[Tender, ...]
    change: Decimal
    voucher: Voucher | None


@dataclass(frozen=True)
class IssuedNumber:
    """A number another device of the shop issued from its own series: that device's code,
    the series prefix and the serial. Sync re-posts a received document with it, so the
    document keeps the number it was issued under (``post_documents_in(numbers=...)``)."""

    device: str
    prefix: str
    serial: int


# Built once: sync asks for every received document (bind parameters, one compiled form).
_OUT_NUMBERS = select(documents.c.number).where(
    documents.c.number_scope == "out",
    documents.c.fy == bindparam("fy"),
    documents.c.number.in_(bindparam("nos", expanding=True)),
)
_OUR_REFERENCES = select(documents.c.our_reference).where(
    documents.c.kind == bindparam("kind"),
    documents.c.fy == bindparam("fy"),
    documents.c.our_reference.in_(bindparam("nos", expanding=True)),
)


class _ReceivedSeries:
    """This company's copy of other devices' series. A received number must come from
    another device's series (never this device's own, which only this device issues), keep
    that series' prefix for the year, and not be in the books already; the copy's next
    serial follows the highest received, so each serial is held once. A serial below it
    fills the place of a document that arrived late (one held in quarantine)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        # (kind, fy, device) -> [prefix, next serial, whether the series row exists]
        self._series: dict[tuple[DocKind, str, str], list[Any]] = {}
        self._taken: set[tuple[DocKind, str, str]] = set()
        self._checked: set[tuple[str, str, str]] = set()  # numbers looked up in the books
        self._present: set[tuple[str, str, str]] = set()  # those of them in the books

    def take(self, kind: DocKind, year: FinancialYear, given: IssuedNumber) -> str:
        own = device_code(self._uow)
        if given.device == own:
            raise ValidationError(
                f"Number {given.prefix} {given.serial} is from this device's own series "
                f"{given.device!r}; two devices share a series code. Pair one of them again."
            )
        if given.serial < 1:
            raise ValidationError(f"Serial {given.serial} is not a document serial.")
        key = (kind, year.label, given.device)
        state = self._series.get(key)
        if state is None:
            row = read_series(self._uow.conn, kind, year.label, given.device)
            state = [given.prefix, 1, False] if row is None else [*row, True]
            self._series[key] = state
        if state[0] != given.prefix:
            raise ValidationError(
                f"Series {given.device} of {year.label} runs with prefix {state[0]}, not "
                f"{given.prefix}; a series keeps its prefix to the year's end."
            )
        number = format_number(given.prefix, given.device, year, given.serial)
        if (kind, year.label, number) in self._taken or self._in_books(kind, year, number):
            raise Conflict(f"{kind.label} {number} is already in the books.")
        self._taken.add((kind, year.label, number))
        state[1] = max(state[1], given.serial + 1)
        return number

    def expect(
        self,
        profile: CompanyProfile,
        drafts: Sequence[DocumentDraft],
        numbers: Sequence[IssuedNumber | None],
    ) -> None:
        """Read at once which of a batch's received numbers are in the books already (one
        query per few hundred instead of one per document); ``take`` still refuses each."""
        keys: list[tuple[str, str, str]] = []
        for draft, given in zip(drafts, numbers, strict=True):
            if given is not None and given.serial >= 1:
                year = financial_year(draft.doc_date, profile.fy_start_month)
                number = format_number(given.prefix, given.device, year, given.serial)
                keys.append(self._book_key(draft.kind, year, number))
        self._look_up(keys)

    def _look_up(self, keys: Sequence[tuple[str, str, str]]) -> None:
        asked: dict[tuple[str, str], list[str]] = {}
        for scope, fy, number in dict.fromkeys(keys):
            asked.setdefault((scope, fy), []).append(number)
        conn = self._uow.conn
        for (scope, fy), wanted in asked.items():
            for start in range(0, len(wanted), 900):  # SQLite's limit on bound parameters
                chunk = {"fy": fy, "nos": wanted[start : start + 900]}
                if scope == "out":
                    found = conn.execute(_OUT_NUMBERS, chunk)
                else:
                    found = conn.execute(_OUR_REFERENCES, chunk | {"kind": scope})
                self._present.update((scope, fy, str(no)) for no in found.scalars())
        self._checked.update(keys)

    @staticmethod
    def _book_key(kind: DocKind, year: FinancialYear, number: str) -> tuple[str, str, str]:
        # An outward number is unique across outward kinds; our reference within its kind.
        return ("out" if kind.outward else kind.value, year.label, number)

    def _in_books(self, kind: DocKind, year: FinancialYear, number: str) -> bool:
        key = self._book_key(kind, year, number)
        if key not in self._checked:
            self._look_up([key])
        return key in self._present

    def save(self) -> None:
        conn = self._uow.conn
        for (kind, fy, device), (prefix, next_serial, stored) in self._series.items():
            save_series(conn, kind, fy, device, prefix, next_serial, stored=stored)
            self._series[(kind, fy, device)] = [prefix, next_serial, True]


def post_documents_in(
    uow: UnitOfWork,
    profile: CompanyProfile,
    drafts: Sequence[DocumentDraft],
    numbers: Sequence[IssuedNumber | None] = (),
    *,
    posted_elsewhere: bool = False,
) -> list[Posted]:
    """Check every draft and work out its figures, number and voucher, then write the batch
    together: one insert per table for all of it instead of a few dozen statements per
    document (bench/billing.py: 10,000 invoices in under 20 s). Anything refused raises
    before the caller commits, so the batch is posted whole or not at all.

    ``numbers``, when given, has one entry per draft: the number another device issued it
    under (for a purchase, our own reference), re-used instead of taking this device's
    next serial (sync; see ``IssuedNumber``). ``posted_elsewhere``: documents another
    device posted (sync); their stock goes in as such (a sale from a batch expired here is
    kept)."""
    if not drafts:
        return []
    if numbers and len(numbers) != len(drafts):
        raise ValueError("numbers needs one entry per draft")
    numbering = Numbering(uow)
    received = _ReceivedSeries(uow)
    if numbers:
        received.expect(profile, drafts, numbers)
    seen: dict[object, Any] = {}  # parties read and supplier bill numbers taken in this batch
    ready = [
        _prepare(uow, profile, draft, numbering, seen, received, numbers[i] if numbers else None)
        for i, draft in enumerate(drafts)
    ]
    voucher_ids = _post_vouchers(uow, profile, ready)
    docs = _insert_documents(uow, ready, voucher_ids)
    warnings = _post_stock(uow, docs, [r.draft for r in ready], posted_elsewhere=posted_elsewhere)
    _insert_tenders(uow, [(doc, r.tenders) for doc, r in zip(docs, ready, strict=True)])
    numbering.save()
    received.save()
    posted = []
    for doc, r, warned in zip(docs, ready, warnings, strict=True):
        uow.record(
            "document.post",
            "document",
            doc.id,
            {"kind": doc.kind.value, "number": doc.number, "total": str(doc.grand_total)},
        )
        posted.append(Posted(doc, r.change, warned))
    return posted


def _prepare(
    uow: UnitOfWork,
    profile: CompanyProfile,
    draft: DocumentDraft,
    numbering: Numbering,
    seen: dict[object, Any],
    received: _ReceivedSeries,
    given: IssuedNumber | None,
) -> _Ready:
    require(uow.actor, _permission(draft.kind))
    conn = uow.conn
    original_date = draft.original_date
    if draft.original_id is not None:
        original_date = queries.document(conn, draft.original_id).doc_date
    check_not_filed(uow, draft.kind, draft.doc_date)
    problems = draft_problems(draft, original_date or draft.doc_date)
    if problems:
        raise ValidationError(" ".join(problems))
    party = None
    if draft.party_id is not None:
        party = seen.get(("party", draft.party_id))
        if party is None:
            party = seen[("party", draft.party_id)] = queries.party(conn, draft.party_id)
    counterparty = _counterparty(draft, party)
    original = _original(conn, draft)
    figures, seller_state, scheme, pos = _compute(uow, profile, draft, counterparty)
    year = financial_year(draft.doc_date, profile.fy_start_month)

    take = numbering.take if given is None else partial(received.take, given=given)
    number, our_reference = _numbers(uow, take, seen, draft, year, counterparty)

    lines = posted_lines(draft.lines, figures)
    document = PostedDocument(
        id=DocumentId(0),
        kind=draft.kind,
        number=number,
        doc_date=draft.doc_date,
        party_id=draft.party_id,
        counterparty=counterparty,
        place_of_supply=pos,
        seller_state=seller_state,
        seller_scheme=scheme,
        reverse_charge=draft.reverse_charge,
        inter_state=figures.supply.value == "inter-state",
        state_tax_head=figures.state_tax_head,
        lines=lines,
        taxable=figures.taxable,
        cgst=figures.cgst,
        sgst=figures.sgst,
        igst=figures.igst,
        cess=figures.cess,
        round_off=figures.round_off,
        grand_total=figures.grand_total,
        export=draft.export,
        to_sez=draft.to_sez,
        original_id=original.id if original else None,
        original_number=original.number if original else draft.original_number,
        original_date=original.doc_date if original else draft.original_date,
        reason=draft.reason.strip(),
        itc_eligible=draft.itc_eligible,
        our_reference=our_reference,
        notes=draft.notes.strip(),
    )
    tenders, change = settle_tenders(document.grand_total, draft.tenders)
    if tenders and not document.kind.posts_voucher:
        raise ValidationError(f"A {document.kind.label.lower()} takes no payment.")
    voucher = _voucher(uow, document, party, tenders) if document.kind.posts_voucher else None
    return _Ready(draft, document, tenders, change, voucher)


def _counterparty(draft: DocumentDraft, party: queries.PartyView | None) -> Counterparty:
    if party is not None and not party.active:
        raise ValidationError(f"{party.name} is marked inactive; make them active first.")
    if party is not None:
        return party.counterparty
    if not draft.kind.outward:
        raise ValidationError("A purchase document needs the supplier.")
    return draft.walk_in or Counterparty(WALK_IN)


def _numbers(
    uow: UnitOfWork,
    take: Callable[[DocKind, FinancialYear], str],
    seen: dict[object, Any],
    draft: DocumentDraft,
    year: FinancialYear,
    counterparty: Counterparty,
) -> tuple[str, str]:
    """The document's number and, for a supplier's bill, our own reference for it."""
    if draft.kind.outward:
        return take(draft.kind, year), ""
    number = draft.supplier_number.strip()
    problem = number_problem(number) if number else "Enter the supplier's bill number."
    if problem:
        raise ValidationError(problem)
    scope = f"in:{draft.party_id}"
    key = ("bill", scope, year.label, number, draft.kind.value)
    taken = (
        key in seen
        or uow.conn.execute(
            select(documents.c.id).where(
                documents.c.number_scope == scope,
                documents.c.fy == year.label,
                documents.c.number == number,
                documents.c.kind == draft.kind.value,
            )
        ).first()
    )
    if taken:
        raise Conflict(f"Bill {number} from {counterparty.name} is already in the books.")
    seen[key] = True
    return number, take(draft.kind, year)


def _voucher(
    uow: UnitOfWork,
    document: PostedDocument,
    party: queries.PartyView | None,
    tenders: tuple[Tender, ...],
) -> Voucher:
    party_account = party.account_id if party else None
    accounts = uow.memo("billing.accounts", lambda: _posting_accounts(uow))
    pairs = voucher_lines(document, party_account, accounts, tenders)
    if not pairs:
        raise ValidationError(
            "The document comes to nothing (every amount rounds to zero paise); check the "
            "quantities and prices."
        )
    return Voucher(
        _VOUCHER_TYPES[document.kind],
        document.doc_date,
        tuple(Line(AccountId(a), amount) for a, amount in pairs),
        narration=f"{document.kind.label} {document.number} {document.counterparty.name}"[:200],
        reference=document.number,
        source=f"billing:{document.kind.value}",
    )


def _post_vouchers(
    uow: UnitOfWork, profile: CompanyProfile, ready: Sequence[_Ready]
) -> list[VoucherId | None]:
    """The batch's vouchers in one ``post_in`` per permission (a sale needs billing rights,
    a purchase posting rights), each in document order."""
    ids: list[VoucherId | None] = [None] * len(ready)
    for permission in (Permission.BILL, Permission.POST_VOUCHERS):
        chosen = [
            (index, r.voucher)
            for index, r in enumerate(ready)
            if r.voucher is not None and _permission(r.document.kind) is permission
        ]
        if chosen:
            vouchers = [voucher for _, voucher in chosen]
            posted = ledger.post_in(uow, profile, vouchers, permission)
            for (index, _), voucher in zip(chosen, posted, strict=True):
                ids[index] = voucher.id
    return ids


def settle_tenders(
    total: Decimal, tenders: tuple[Tender, ...]
) -> tuple[tuple[Tender, ...], Decimal]:
    """Money kept and change given: only cash can be handed back, so any excess must be
    covered by the cash tendered."""
    for tender in tenders:
        if tender.amount <= 0 or not has_at_most_paise(tender.amount):
            raise ValidationError(f"A {tender.mode} payment must be a positive amount.")
    excess = sum((t.amount for t in tenders), ZERO) - total
    if excess <= 0:
        return tenders, ZERO
    cash = sum((t.amount for t in tenders if t.mode is PaymentMode.CASH), ZERO)
    if cash < excess:
        raise ValidationError(
            f"The payments are {excess:.2f} more than the bill, and only cash can be given "
            "back as change. Correct the UPI or card amount."
        )
    kept: list[Tender] = []
    to_return = excess
    for tender in tenders:
        if tender.mode is PaymentMode.CASH and to_return:
            back = min(to_return, tender.amount)
            to_return -= back
            if tender.amount - back:
                kept.append(replace(tender, amount=tender.amount - back))
        else:
            kept.append(tender)
    return tuple(kept), excess


def _original(conn: Connection, draft: DocumentDraft) -> PostedDocument | None:
    if not draft.kind.is_note:
        if draft.original_id is not None:
            raise ValidationError(f"A {draft.kind.label.lower()} does not refer to an invoice.")
        return None
    if draft.original_id is None:
        if not (draft.original_number and draft.original_date):
            # CGST Rule 53(1A)(g): a note names the invoice it corrects.
            raise ValidationError(
                f"A {draft.kind.label.lower()} must name the original invoice: choose it, or "
                "enter its number and date."
            )
        return None
    original = queries.document(conn, draft.original_id)
    wanted = {
        DocKind.CREDIT_NOTE: (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY),
        DocKind.DEBIT_NOTE: (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY),
        DocKind.PURCHASE_RETURN: (DocKind.PURCHASE_BILL,),
    }[draft.kind]
    if original.kind not in wanted:
        raise ValidationError(
            f"{original.number} is a {original.kind.label.lower()}; a "
            f"{draft.kind.label.lower()} refers to a {wanted[0].label.lower()}."
        )
    if original.cancelled:
        raise ValidationError(f"{original.number} was cancelled; no note can refer to it.")
    if draft.party_id != original.party_id:
        raise ValidationError(f"{original.number} was issued to {original.counterparty.name}.")
    if draft.doc_date < original.doc_date:
        raise ValidationError(f"The note cannot be dated before {original.number}.")
    return original


def company_scheme(conn: Connection) -> SellerScheme:
    return SellerScheme(choice(conn, SCHEME_SETTING, tuple(s.value for s in SellerScheme)))


def _compute(
    uow: UnitOfWork, profile: CompanyProfile, draft: DocumentDraft, party: Counterparty
) -> tuple[InvoiceTax, str, SellerScheme, str]:
    """The tax figures, the supplier's state and scheme, and the place of supply."""
    conn = uow.conn
    rounding = uow.memo(
        ROUNDING_SETTING,
        lambda: Rounding(choice(conn, ROUNDING_SETTING, tuple(r.value for r in Rounding))),
    )
    if draft.kind.outward:
        seller_state = profile.state_code
        scheme = uow.memo(SCHEME_SETTING, lambda: company_scheme(conn))
        if draft.place_of_supply:
            pos = state_by_code(draft.place_of_supply).code
        else:
            services = all(line.hsn.startswith("99") for line in draft.lines)
            pos = place_of_supply(
                seller_state=seller_state,
                kind=SupplyKind.SERVICES if services else SupplyKind.GOODS,
                recipient_gstin=party.gstin,
                billing_state=party.billing.state_code or party.state_code or None,
                delivery_state=party.shipping.state_code if party.shipping else None,
                export=draft.export is not None,
            ).state_code
    else:
        if not party.state_code:
            raise ValidationError(f"Set the state of {party.name} before entering its bill.")
        seller_state = party.state_code
        scheme = SellerScheme.COMPOSITION if _is_composition(conn, draft) else SellerScheme.REGULAR
        pos = draft.place_of_supply or profile.state_code
    doc_type = draft.kind.gst_doc_type
    if draft.kind is DocKind.PURCHASE_BILL and scheme is SellerScheme.COMPOSITION:
        doc_type = doc_type.BILL_OF_SUPPLY
    zero_rated = (draft.export is not None and not draft.export.with_payment) or (
        draft.to_sez and uow.memo(SEZ_SETTING, lambda: read_setting(conn, SEZ_SETTING)) != "1"
    )
    tax_lines = invoice_lines(draft.lines, zero_rated=zero_rated)
    figures = compute_invoice_tax(
        TaxInvoiceInput(
            seller_state=seller_state,
            place_of_supply=pos,
            lines=tax_lines,
            doc_type=doc_type,
            seller_scheme=scheme,
            reverse_charge=draft.reverse_charge,
            rounding=rounding,
            to_sez=draft.to_sez,
        )
    )
    return figures, seller_state, scheme, pos


def _is_composition(conn: Connection, draft: DocumentDraft) -> bool:
    return bool(
        conn.execute(select(parties.c.composition).where(parties.c.id == draft.party_id)).scalar()
    )


def _posting_accounts(uow: UnitOfWork) -> PostingAccounts:
    keys = ledger_queries.system_accounts(uow.conn)

    def key(name: str) -> int:
        if name not in keys:
            raise NotFound(f"The books have no {name.replace('_', ' ')} account.")
        return int(keys[name])

    tenders = {}
    for mode, (system_key, name, group) in _TENDER_ACCOUNTS.items():
        tenders[mode] = int(
            keys.get(system_key) or ledger.ensure_system_account(uow, system_key, name, group)
        )
    heads = ("cgst", "sgst", "utgst", "igst", "cess")
    return PostingAccounts(
        sales=key("sales"),
        sales_returns=key("sales_returns"),
        purchases=key("purchases"),
        purchase_returns=key("purchase_returns"),
        output={h: key(f"output_{h}") for h in heads},
        input={h: key(f"input_{h}") for h in heads},
        rcm_payable=key("rcm_payable"),
        round_off=key("round_off"),
        tenders=tenders,
    )


_MAX_DOCUMENT_ID = select(func.max(documents.c.id))  # built once: every sale runs it


def _insert_documents(
    uow: UnitOfWork, ready: Sequence[_Ready], voucher_ids: Sequence[VoucherId | None]
) -> list[PostedDocument]:
    """The documents and their lines, one insert each for the batch; ids are given here
    (the writer holds the database lock from BEGIN IMMEDIATE, so nobody else takes one)."""
    conn = uow.conn
    next_id = int(conn.execute(_MAX_DOCUMENT_ID).scalar() or 0) + 1
    now = _now()
    docs: list[PostedDocument] = []
    rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    for offset, (r, voucher_id) in enumerate(zip(ready, voucher_ids, strict=True)):
        doc = replace(r.document, id=DocumentId(next_id + offset), voucher_id=voucher_id)
        docs.append(doc)
        rows.append(document_row(doc, now, uow.actor.username))
        line_rows += document_line_rows(doc, r.draft.lines)
    insert_rows(conn, documents, rows)
    insert_rows(conn, document_lines, line_rows)
    return docs


def document_row(doc: PostedDocument, now: str, username: str) -> dict[str, Any]:
    """The ``documents`` row of a posted document (bench/gst.py writes its month with it)."""
    cp = doc.counterparty
    year = financial_year(doc.doc_date)
    return {
        "id": doc.id,
        "kind": doc.kind.value,
        "number_scope": "out" if doc.kind.outward else f"in:{doc.party_id}",
        "fy": year.label,
        "number": doc.number,
        "doc_date": doc.doc_date,
        "party_id": doc.party_id,
        "cp_name": cp.name,
        "cp_gstin": cp.gstin,
        "cp_state": cp.state_code,
        "cp_address": cp.billing.text,
        "cp_pin": cp.billing.pin,
        "cp_ship_address": cp.shipping.text if cp.shipping else None,
        "cp_ship_state": cp.shipping.state_code if cp.shipping else None,
        "cp_ship_pin": cp.shipping.pin if cp.shipping else None,
        "cp_phone": cp.phone,
        "place_of_supply": doc.place_of_supply,
        "seller_state": doc.seller_state,
        "seller_scheme": doc.seller_scheme.value,
        "reverse_charge": doc.reverse_charge,
        "inter_state": doc.inter_state,
        "state_tax_head": doc.state_tax_head,
        "taxable": doc.taxable,
        "cgst": doc.cgst,
        "sgst": doc.sgst,
        "igst": doc.igst,
        "cess": doc.cess,
        "round_off": doc.round_off,
        "grand_total": doc.grand_total,
        "status": doc.status.value,
        "export_with_payment": doc.export.with_payment if doc.export else None,
        "port_code": doc.export.port_code if doc.export else "",
        "shipping_bill": doc.export.shipping_bill if doc.export else "",
        "shipping_bill_date": doc.export.shipping_bill_date if doc.export else None,
        "to_sez": doc.to_sez,
        "original_id": doc.original_id,
        "original_number": doc.original_number,
        "original_date": doc.original_date,
        "reason": doc.reason,
        "itc_eligible": doc.itc_eligible,
        "our_reference": doc.our_reference,
        "notes": doc.notes,
        "voucher_id": doc.voucher_id,
        "created_at": now,
        "created_by": username,
    }


def document_line_rows(
    doc: PostedDocument, entered: Sequence[DraftLine] | None = None
) -> list[dict[str, Any]]:
    """Its ``document_lines`` rows; the godown and batch come from the lines as entered."""
    where = (
        [(e.godown_id, e.batch_id) for e in entered] if entered else [(None, None)] * len(doc.lines)
    )
    return [
        {
            "document_id": doc.id,
            "line_no": line.line_no,
            "item_id": line.item_id,
            "description": line.description,
            "hsn": line.hsn,
            "uqc": line.uqc,
            "qty": line.qty,
            "unit_price": line.unit_price,
            "price_includes_tax": line.price_includes_tax,
            "discount_pct": line.discount_pct,
            "gross": line.gross,
            "discount": line.discount,
            "taxable": line.taxable,
            "gst_rate": line.gst_rate,
            "cess_rate": line.cess_rate,
            "cgst": line.cgst,
            "sgst": line.sgst,
            "igst": line.igst,
            "cess": line.cess,
            "taxability": line.taxability.value,
            "godown_id": godown_id,
            "batch_id": batch_id,
        }
        for line, (godown_id, batch_id) in zip(doc.lines, where, strict=True)
    ]


def _post_stock(
    uow: UnitOfWork,
    docs: Sequence[PostedDocument],
    drafts: Sequence[DocumentDraft],
    *,
    posted_elsewhere: bool = False,
) -> list[tuple[str, ...]]:
    """The stock moves of the batch's documents (one entry each), warnings per document."""
    entries: dict[int, StockEntry] = {}
    for index, (doc, draft) in enumerate(zip(docs, drafts, strict=True)):
        entry = _stock_entry(doc, draft)
        if entry is not None:
            entries[index] = entry
    warnings: list[tuple[str, ...]] = [() for _ in docs]
    if entries:
        posted = post_stock_entries_in(
            uow, list(entries.values()), posted_elsewhere=posted_elsewhere
        )
        for index, stock in zip(entries, posted, strict=True):
            warnings[index] = stock.warnings
    return warnings


def _stock_entry(doc: PostedDocument, draft: DocumentDraft) -> StockEntry | None:
    kind = _MOVE_KINDS.get(doc.kind)
    if kind is None or not draft.moves_stock:
        return None
    direction = kind.direction
    moves = tuple(
        Move(
            item_id=ItemId(entered.item_id),
            godown_id=GodownId(entered.godown_id or MAIN_GODOWN),
            qty=direction * line.qty,
            # Inward goods cost their taxable value; tax we cannot claim back is cost too.
            value=_inward_cost(doc, line) if direction > 0 and kind is MoveKind.PURCHASE else None,
            batch_id=BatchId(entered.batch_id) if entered.batch_id else None,
        )
        for line, entered in zip(doc.lines, draft.lines, strict=True)
        if entered.item_id is not None
    )
    if kind is MoveKind.SALES_RETURN:
        moves = tuple(replace(m, value=None) for m in moves)
    if not moves:
        return None
    return StockEntry(kind, doc.doc_date, doc.kind.value, str(doc.id), moves)


def _inward_cost(doc: PostedDocument, line: PostedLine) -> Decimal:
    creditable = doc.itc_eligible and doc.seller_scheme is SellerScheme.REGULAR
    return line.taxable if creditable else line.taxable + line.tax


def _insert_tenders(
    uow: UnitOfWork, paid: Sequence[tuple[PostedDocument, tuple[Tender, ...]]]
) -> None:
    now = _now()
    rows = [
        {
            # Money comes in with a sale or a purchase return, goes out with a refund or a
            # purchase.
            "kind": "receipt" if doc.kind.outward == (doc.sign > 0) else "payment",
            "settle_date": doc.doc_date,
            "party_id": doc.party_id,
            "mode": t.mode.value,
            "amount": t.amount,
            "reference": t.reference,
            "document_id": doc.id,
            "voucher_id": doc.voucher_id,
            "created_at": now,
        }
        for doc, tenders in paid
        for t in tenders
    ]
    if rows:
        uow.conn.execute(settlements.insert(), rows)


# Cancellation ----------------------------------------------------------------------------


def cancel_document(company: Company, document_id: DocumentId, on: date, reason: str) -> None:
    """Cancel a posted document: it keeps its number, its voucher and stock are reversed."""
    with company.unit_of_work() as uow:
        cancel_document_in(uow, company.profile, document_id, on, reason)
        uow.commit()


def cancel_document_in(
    uow: UnitOfWork, profile: CompanyProfile, document_id: DocumentId, on: date, reason: str
) -> None:
    """``cancel_document`` inside the caller's unit of work (sync applies a received
    cancellation with the rest of its page); the caller commits."""
    if not reason.strip():
        raise ValidationError("Say why the document is cancelled; the reason is kept.")
    require(uow.actor, Permission.POST_VOUCHERS)
    conn = uow.conn
    doc = queries.document(conn, document_id)
    if doc.cancelled:
        raise Conflict(f"{doc.number} is already cancelled.")
    if on < doc.doc_date:
        raise ValidationError(f"{doc.number} cannot be cancelled before its own date.")
    check_not_filed(uow, doc.kind, doc.doc_date)
    settled = conn.execute(
        select(func.count())
        .select_from(allocations)
        .where(allocations.c.document_id == document_id)
    ).scalar_one()
    if settled:
        raise Conflict(
            f"Payments are allocated against {doc.number}; remove those allocations first."
        )
    notes = (
        conn.execute(
            select(documents.c.number).where(
                documents.c.original_id == document_id, documents.c.status == "posted"
            )
        )
        .scalars()
        .first()
    )
    if notes:
        raise Conflict(f"Note {notes} refers to {doc.number}; cancel the note first.")
    cancel_voucher = None
    if doc.voucher_id is not None:
        cancel_voucher = ledger.reverse_in(
            uow,
            profile,
            VoucherId(doc.voucher_id),
            on,
            f"Cancellation of {doc.number}",
        ).id
    if _MOVE_KINDS.get(doc.kind) and any(line.item_id for line in doc.lines):
        with suppress(NotFound):  # a price-only note moved no stock
            reverse_stock_in(uow, doc.kind.value, str(doc.id), on)
    conn.execute(
        documents.update()
        .where(documents.c.id == document_id)
        .values(status=DocStatus.CANCELLED.value, cancel_voucher_id=cancel_voucher)
    )
    uow.record(
        "document.cancel",
        "document",
        document_id,
        {"number": doc.number, "reason": reason.strip()},
    )


# Receipts and payments -------------------------------------------------------------------


def record_settlement(
    company: Company,
    party_id: PartyId,
    on: date,
    tender: Tender,
    against: Sequence[tuple[DocumentId, Decimal]] = (),
    receiving: bool | None = None,
) -> int:
    """Money received from a customer or paid to a supplier, allocated against its open
    documents; whatever is not allocated stays on account as an advance. ``receiving`` says
    which way for a party that both buys and sells; by default customers pay us."""
    with company.unit_of_work() as uow:
        settlement_id = record_settlement_in(
            uow, company.profile, party_id, on, tender, against, receiving
        )
        uow.commit()
    return settlement_id


def record_settlement_in(
    uow: UnitOfWork,
    profile: CompanyProfile,
    party_id: PartyId,
    on: date,
    tender: Tender,
    against: Sequence[tuple[DocumentId, Decimal]] = (),
    receiving: bool | None = None,
) -> int:
    """``record_settlement`` inside the caller's unit of work (sync re-posts a received
    receipt with the rest of its page); the caller commits."""
    require(uow.actor, Permission.BILL)
    conn = uow.conn
    party = queries.party(conn, party_id)
    if receiving is None:
        receiving = party.kind is not PartyKind.SUPPLIER
    if tender.amount <= 0 or not has_at_most_paise(tender.amount):
        raise ValidationError("The amount must be positive, in rupees and paise.")
    allocated = sum((amount for _, amount in against), ZERO)
    if allocated > tender.amount:
        raise ValidationError(
            f"{allocated:.2f} is allocated but only {tender.amount:.2f} was "
            f"{'received' if receiving else 'paid'}."
        )
    open_docs = {row.id: row for row in queries.open_documents(conn, party_id)}
    for document_id, amount in against:
        row = open_docs.get(document_id)
        if row is None:
            raise ValidationError(f"Document {document_id} is not open for {party.name}.")
        if amount <= 0 or amount > row.outstanding:
            raise ValidationError(
                f"{row.number} has {row.outstanding:.2f} outstanding; allocate at most that."
            )
    accounts = _posting_accounts(uow)
    money = AccountId(accounts.tenders[tender.mode])
    party_account = AccountId(party.account_id)
    sign = Decimal(1) if receiving else Decimal(-1)
    voucher = Voucher(
        VoucherType.RECEIPT if receiving else VoucherType.PAYMENT,
        on,
        (Line(money, sign * tender.amount), Line(party_account, -sign * tender.amount)),
        narration=f"{'Received from' if receiving else 'Paid to'} {party.name}",
        reference=tender.reference,
        source="billing:settlement",
    )
    voucher_id = ledger.post_in(uow, profile, [voucher], Permission.BILL)[0].id
    result = conn.execute(
        settlements.insert().values(
            kind="receipt" if receiving else "payment",
            settle_date=on,
            party_id=party_id,
            mode=tender.mode.value,
            amount=tender.amount,
            reference=tender.reference,
            voucher_id=voucher_id,
            created_at=_now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    settlement_id = int(key[0])
    if against:
        conn.execute(
            allocations.insert(),
            [{"settlement_id": settlement_id, "document_id": d, "amount": a} for d, a in against],
        )
    uow.record(
        "settlement.add",
        "settlement",
        settlement_id,
        {"party": party.name, "amount": str(tender.amount), "allocated": str(allocated)},
    )
    return settlement_id


# e-invoice registration -------------------------------------------------------------------


def record_irn(company: Company, document_id: DocumentId, irn: Irn) -> None:
    """Keep what the Invoice Registration Portal returned, so it prints on the invoice.

    The IRN is the SHA-256 of the supplier's GSTIN, year, type and number (64 hex characters);
    once given it never changes, so a second, different one is refused."""
    with company.unit_of_work() as uow:
        record_irn_in(uow, document_id, irn)
        uow.commit()


def record_irn_in(
    uow: UnitOfWork, document_id: DocumentId, irn: Irn, *, replaces: str | None = None
) -> None:
    """``record_irn`` inside the caller's unit of work (sync applies a received IRN with the
    rest of its page); the caller commits. The same IRN again changes nothing.

    ``replaces`` (sync only): the IRN this one takes the place of. Two devices that recorded
    different IRNs offline keep the one recorded first, on both; the audit row keeps the one
    replaced, and sync's conflict list shows both."""
    text = irn.irn.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValidationError("An IRN is 64 characters of 0-9 and a-f; copy it from the portal.")
    if not irn.signed_qr.strip():
        raise ValidationError("Paste the signed QR code text too; it is printed on the invoice.")
    require(uow.actor, Permission.BILL)
    doc = queries.document(uow.conn, document_id)
    if not (doc.kind.outward and doc.is_b2b) or doc.cancelled:
        raise ValidationError(f"{doc.number} is not a live B2B document; it takes no IRN.")
    if irn.ack_date < doc.doc_date:
        raise ValidationError(f"The acknowledgement cannot be dated before {doc.number}.")
    held = doc.irn.irn if doc.irn is not None else None
    if held == text:
        return
    if held is not None and held != replaces:
        raise Conflict(f"{doc.number} already has IRN {held[:12]}…; it cannot change.")
    uow.conn.execute(
        documents.update()
        .where(documents.c.id == document_id)
        .values(
            irn=text,
            ack_no=irn.ack_no.strip(),
            ack_date=irn.ack_date,
            signed_qr=irn.signed_qr.strip(),
        )
    )
    details = {"irn": text, "ack_no": irn.ack_no} | ({"replaces": held} if held else {})
    uow.record("document.irn", "document", document_id, details)
