"""Billing use cases: parties, documents, cancellation, receipts and payments.

Posting a document writes, in one transaction: the document and its lines (with the tax
figures), its voucher through ``ledger.service.post_in``, its stock moves through
``inventory.service.post_stock_in``, money taken with it, and the audit rows. A crash at any
point leaves the whole document or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from app.billing import queries
from app.billing.filing import check_not_filed
from app.billing.model import (
    WALK_IN,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentDraft,
    DocumentId,
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
from app.billing.numbering import number_problem, take_number
from app.billing.tables import allocations, document_lines, documents, parties, settlements
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
from app.inventory.service import post_stock_in, reverse_stock_in
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
        posted = [post_document_in(uow, company.profile, draft) for draft in drafts]
        uow.commit()
    return posted


def _permission(kind: DocKind) -> Permission:
    return Permission.BILL if kind.outward else Permission.POST_VOUCHERS


def post_document_in(uow: UnitOfWork, profile: CompanyProfile, draft: DocumentDraft) -> Posted:
    permission = _permission(draft.kind)
    require(uow.actor, permission)
    conn = uow.conn
    original_date = draft.original_date
    if draft.original_id is not None:
        original_date = queries.document(conn, draft.original_id).doc_date
    check_not_filed(uow, draft.kind, draft.doc_date)
    problems = draft_problems(draft, original_date or draft.doc_date)
    if problems:
        raise ValidationError(" ".join(problems))
    party = queries.party(conn, draft.party_id) if draft.party_id is not None else None
    counterparty = _counterparty(draft, party)
    original = _original(conn, draft)
    figures, seller_state, scheme, pos = _compute(uow, profile, draft, counterparty)
    year = financial_year(draft.doc_date, profile.fy_start_month)

    number, our_reference = _numbers(uow, draft, year, counterparty)

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

    voucher_id = (
        _post_voucher(uow, profile, document, party, tenders)
        if document.kind.posts_voucher
        else None
    )
    document_id = _insert_document(uow, document, draft, voucher_id)
    document = replace(document, id=document_id, voucher_id=voucher_id)
    warnings = _post_stock(uow, document, draft)
    _insert_tenders(uow, document, tenders)
    uow.record(
        "document.post",
        "document",
        document_id,
        {"kind": document.kind.value, "number": number, "total": str(document.grand_total)},
    )
    return Posted(document, change, warnings)


def _counterparty(draft: DocumentDraft, party: queries.PartyView | None) -> Counterparty:
    if party is not None and not party.active:
        raise ValidationError(f"{party.name} is marked inactive; make them active first.")
    if party is not None:
        return party.counterparty
    if not draft.kind.outward:
        raise ValidationError("A purchase document needs the supplier.")
    return draft.walk_in or Counterparty(WALK_IN)


def _numbers(
    uow: UnitOfWork, draft: DocumentDraft, year: FinancialYear, counterparty: Counterparty
) -> tuple[str, str]:
    """The document's number and, for a supplier's bill, our own reference for it."""
    if draft.kind.outward:
        return take_number(uow, draft.kind, year), ""
    number = draft.supplier_number.strip()
    problem = number_problem(number) if number else "Enter the supplier's bill number."
    if problem:
        raise ValidationError(problem)
    taken = uow.conn.execute(
        select(documents.c.id).where(
            documents.c.number_scope == f"in:{draft.party_id}",
            documents.c.fy == year.label,
            documents.c.number == number,
            documents.c.kind == draft.kind.value,
        )
    ).first()
    if taken:
        raise Conflict(f"Bill {number} from {counterparty.name} is already in the books.")
    return number, take_number(uow, draft.kind, year)


def _post_voucher(
    uow: UnitOfWork,
    profile: CompanyProfile,
    document: PostedDocument,
    party: queries.PartyView | None,
    tenders: tuple[Tender, ...],
) -> VoucherId:
    party_account = party.account_id if party else None
    accounts = uow.memo("billing.accounts", lambda: _posting_accounts(uow))
    pairs = voucher_lines(document, party_account, accounts, tenders)
    if not pairs:
        raise ValidationError(
            "The document comes to nothing (every amount rounds to zero paise); check the "
            "quantities and prices."
        )
    voucher = Voucher(
        _VOUCHER_TYPES[document.kind],
        document.doc_date,
        tuple(Line(AccountId(a), amount) for a, amount in pairs),
        narration=f"{document.kind.label} {document.number} {document.counterparty.name}"[:200],
        reference=document.number,
        source=f"billing:{document.kind.value}",
    )
    return ledger.post_in(uow, profile, [voucher], _permission(document.kind))[0].id


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


def _insert_document(
    uow: UnitOfWork, doc: PostedDocument, draft: DocumentDraft, voucher_id: VoucherId | None
) -> DocumentId:
    cp = doc.counterparty
    year = financial_year(doc.doc_date)
    row: dict[str, Any] = {
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
        "status": DocStatus.POSTED.value,
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
        "voucher_id": voucher_id,
        "created_at": _now(),
        "created_by": uow.actor.username,
    }
    result = uow.conn.execute(documents.insert().values(**row))
    key = result.inserted_primary_key
    assert key is not None
    document_id = DocumentId(int(key[0]))
    uow.conn.execute(
        document_lines.insert(),
        [
            {
                "document_id": document_id,
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
                "godown_id": entered.godown_id,
                "batch_id": entered.batch_id,
            }
            for line, entered in zip(doc.lines, draft.lines, strict=True)
        ],
    )
    return document_id


def _post_stock(uow: UnitOfWork, doc: PostedDocument, draft: DocumentDraft) -> tuple[str, ...]:
    kind = _MOVE_KINDS.get(doc.kind)
    if kind is None or not draft.moves_stock:
        return ()
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
        return ()
    entry = StockEntry(kind, doc.doc_date, doc.kind.value, str(doc.id), moves)
    return post_stock_in(uow, entry).warnings


def _inward_cost(doc: PostedDocument, line: PostedLine) -> Decimal:
    creditable = doc.itc_eligible and doc.seller_scheme is SellerScheme.REGULAR
    return line.taxable if creditable else line.taxable + line.tax


def _insert_tenders(uow: UnitOfWork, doc: PostedDocument, tenders: tuple[Tender, ...]) -> None:
    if not tenders:
        return
    # Money comes in with a sale or a purchase return, goes out with a refund or a purchase.
    kind = "receipt" if doc.kind.outward == (doc.sign > 0) else "payment"
    uow.conn.execute(
        settlements.insert(),
        [
            {
                "kind": kind,
                "settle_date": doc.doc_date,
                "party_id": doc.party_id,
                "mode": t.mode.value,
                "amount": t.amount,
                "reference": t.reference,
                "document_id": doc.id,
                "voucher_id": doc.voucher_id,
                "created_at": _now(),
            }
            for t in tenders
        ],
    )


# Cancellation ----------------------------------------------------------------------------


def cancel_document(company: Company, document_id: DocumentId, on: date, reason: str) -> None:
    """Cancel a posted document: it keeps its number, its voucher and stock are reversed."""
    if not reason.strip():
        raise ValidationError("Say why the document is cancelled; the reason is kept.")
    with company.unit_of_work() as uow:
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
                company.profile,
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
        uow.commit()


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
        voucher_id = ledger.post_in(uow, company.profile, [voucher], Permission.BILL)[0].id
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
                [
                    {"settlement_id": settlement_id, "document_id": d, "amount": a}
                    for d, a in against
                ],
            )
        uow.record(
            "settlement.add",
            "settlement",
            settlement_id,
            {"party": party.name, "amount": str(tender.amount), "allocated": str(allocated)},
        )
        uow.commit()
    return settlement_id


# e-invoice registration -------------------------------------------------------------------


def record_irn(company: Company, document_id: DocumentId, irn: Irn) -> None:
    """Keep what the Invoice Registration Portal returned, so it prints on the invoice.

    The IRN is the SHA-256 of the supplier's GSTIN, year, type and number (64 hex characters);
    once given it never changes, so a second, different one is refused."""
    text = irn.irn.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValidationError("An IRN is 64 characters of 0-9 and a-f; copy it from the portal.")
    if not irn.signed_qr.strip():
        raise ValidationError("Paste the signed QR code text too; it is printed on the invoice.")
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.BILL)
        doc = queries.document(uow.conn, document_id)
        if not (doc.kind.outward and doc.is_b2b) or doc.cancelled:
            raise ValidationError(f"{doc.number} is not a live B2B document; it takes no IRN.")
        if irn.ack_date < doc.doc_date:
            raise ValidationError(f"The acknowledgement cannot be dated before {doc.number}.")
        if doc.irn is not None:
            if doc.irn.irn == text:
                return
            raise Conflict(f"{doc.number} already has IRN {doc.irn.irn[:12]}…; it cannot change.")
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
        uow.record("document.irn", "document", document_id, {"irn": text, "ack_no": irn.ack_no})
        uow.commit()
