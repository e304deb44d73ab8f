"""bahi party ..., invoice ..., receipt ... and payment ...: handlers (parsers in billing_args.py).

`invoice create --from FILE` reads the JSON shape of docs/cli-billing.md; names (party, item,
godown, batch, original invoice) are looked up here, the figures come from the billing service.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.billing import queries, service
from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocumentDraft,
    DocumentId,
    DraftLine,
    Export,
    PartyDraft,
    PartyId,
    PartyKind,
    PaymentMode,
    PostedDocument,
    Tender,
    draft_problems,
)
from app.billing.parties import add_party, update_party
from app.cli.output import print_json
from app.cli.session import open_from_args
from app.errors import AppError, NotFound, ValidationError
from app.gst import Taxability, find_state, parse_gstin, state_by_code
from app.inventory import queries as stock_queries
from app.ledger import queries as ledger_queries
from app.ledger.model import financial_year
from app.money import ZERO, D
from app.reports.table import Cell, Table, write_csv, write_xlsx
from app.storage.company import Company

DEFAULT_TEMPLATE = "classic"  # resources/invoice_templates/classic.toml


class BadDocumentFile(ValidationError):
    """The document JSON is malformed; the message says where."""


def _out(args: argparse.Namespace, table: Table, data: Any) -> int:
    if args.json:
        print_json(data)
    elif getattr(args, "csv", None):
        write_csv(table, Path(args.csv))
    elif getattr(args, "xlsx", None):
        write_xlsx(table, Path(args.xlsx))
    else:
        print(table.text())
    return 0


def _open(args: argparse.Namespace) -> Company:
    return open_from_args(args.company, args.user, args.totp)


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _state(text: str | None) -> str:
    return find_state(text).code if text else ""


# Parties ---------------------------------------------------------------------------------


def _party_draft(args: argparse.Namespace, name: str) -> PartyDraft:
    shipping = None
    if args.ship_address or args.ship_state or args.ship_pin:
        shipping = Address(args.ship_address or "", _state(args.ship_state), args.ship_pin or "")
    return PartyDraft(
        name=name,
        kind=PartyKind(args.kind or "customer"),
        gstin=args.gstin or None,
        state_code=_state(args.state),
        billing=Address(args.address or "", _state(args.state), args.pin or ""),
        shipping=shipping,
        phone=args.phone or "",
        email=args.email or "",
        credit_limit=args.credit_limit,
        credit_days=args.credit_days or 0,
        composition=args.composition,
        opening_balance=args.opening_balance or ZERO,
    )


def _edited_draft(args: argparse.Namespace, current: queries.PartyView) -> PartyDraft:
    """The party as it is, with the fields given on the command line changed."""

    def pick(given: str | None, kept: str) -> str:
        return kept if given is None else given

    gstin = pick(args.gstin, current.gstin or "")
    # A registered party's state is its GSTIN's; keep the stored one only when unregistered.
    state = _state(args.state) if args.state is not None else ("" if gstin else current.state_code)
    ship_address = pick(args.ship_address, current.shipping_address)
    ship_state = _state(args.ship_state) if args.ship_state is not None else current.shipping_state
    ship_pin = pick(args.ship_pin, current.shipping_pin)
    shipping = (
        Address(ship_address, ship_state, ship_pin)
        if ship_address or ship_state or ship_pin
        else None
    )
    credit_limit = current.credit_limit if args.credit_limit is None else args.credit_limit
    if args.no_credit_limit:
        credit_limit = None
    composition = current.composition if args.composition is None else args.composition == "yes"
    return PartyDraft(
        name=args.new_name or current.name,
        kind=PartyKind(args.kind) if args.kind else current.kind,
        gstin=gstin or None,
        state_code=state,
        billing=Address(
            pick(args.address, current.billing_address), state, pick(args.pin, current.billing_pin)
        ),
        shipping=shipping,
        phone=pick(args.phone, current.phone),
        email=pick(args.email, current.email),
        credit_limit=credit_limit,
        credit_days=current.credit_days if args.credit_days is None else args.credit_days,
        composition=composition,
    )


@dataclass(frozen=True)
class _Standing:
    """Where a party stands: the ledger balance (+ they owe us) and its open bills."""

    balance: Decimal
    open_docs: tuple[queries.OpenDocument, ...]
    as_of: date

    @property
    def due(self) -> Decimal:
        return sum((d.outstanding for d in self.open_docs), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((d.outstanding for d in self.open_docs if d.due_date < self.as_of), ZERO)


def _standing(
    conn: Connection, party: queries.PartyView, balances: dict[Any, Decimal], as_of: date
) -> _Standing:
    open_docs = tuple(d for d in queries.open_documents(conn, party.id) if d.doc_date <= as_of)
    return _Standing(balances.get(party.account_id, ZERO), open_docs, as_of)


def _party_json(party: queries.PartyView, standing: _Standing | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": party.id,
        "name": party.name,
        "kind": party.kind.value,
        "gstin": party.gstin,
        "state": party.state_code,
        "address": party.billing_address,
        "pin": party.billing_pin,
        "ship_address": party.shipping_address,
        "ship_state": party.shipping_state,
        "ship_pin": party.shipping_pin,
        "phone": party.phone,
        "email": party.email,
        "credit_limit": _money(party.credit_limit),
        "credit_days": party.credit_days,
        "composition": party.composition,
        "active": party.active,
    }
    if standing is not None:
        data |= {
            "balance": _money(standing.balance),
            "due_on_bills": _money(standing.due),
            "overdue": _money(standing.overdue),
        }
    return data


def party_add(args: argparse.Namespace) -> int:
    draft = _party_draft(args, args.name)
    with _open(args) as company:
        party_id = add_party(company, draft)
        with company.reader() as conn:
            party = queries.party(conn, party_id)
    if args.json:
        print_json(_party_json(party))
    else:
        print(f"Added {party.kind.value} {party.name} (id {party.id}).")
    return 0


def party_edit(args: argparse.Namespace) -> int:
    with _open(args) as company:
        with company.reader() as conn:
            current = queries.party_by_name(conn, args.name)
        update_party(company, current.id, _edited_draft(args, current))
        with company.reader() as conn:
            party = queries.party(conn, current.id)
    if args.json:
        print_json(_party_json(party))
    else:
        print(f"Updated {party.name}.")
    return 0


def party_list(args: argparse.Namespace) -> int:
    as_of = args.as_of or date.today()
    with _open(args) as company, company.reader() as conn:
        found = queries.find_parties(conn, args.search, args.limit)
        balances = ledger_queries.balances(conn, as_of)
        rows = [(p, _standing(conn, p, balances, as_of)) for p in found]
    table = Table(
        f"Parties as of {as_of:%d-%m-%Y} (balance: + they owe us, - we owe them)",
        ("Party", "Kind", "GSTIN", "State", "Phone", "Balance", "Due on bills", "Overdue"),
        tuple(
            (
                p.name,
                p.kind.value,
                p.gstin or "",
                p.state_code,
                p.phone,
                s.balance,
                s.due,
                s.overdue,
            )
            for p, s in rows
        ),
    )
    return _out(args, table, [_party_json(p, s) for p, s in rows])


def party_show(args: argparse.Namespace) -> int:
    as_of = args.as_of or date.today()
    with _open(args) as company, company.reader() as conn:
        party = queries.party_by_name(conn, args.name)
        standing = _standing(conn, party, ledger_queries.balances(conn, as_of), as_of)
    bills = [
        {
            "id": d.id,
            "number": d.number,
            "date": d.doc_date.isoformat(),
            "due_date": d.due_date.isoformat(),
            "days_overdue": max((as_of - d.due_date).days, 0),
            "total": _money(d.grand_total),
            "outstanding": _money(d.outstanding),
        }
        for d in standing.open_docs
    ]
    data = _party_json(party, standing) | {"as_of": as_of.isoformat(), "open_documents": bills}
    if party.credit_limit is not None:
        data["over_credit_limit"] = standing.balance > party.credit_limit
    if args.json:
        print_json(data)
        return 0
    for label, key in (
        ("Name", "name"),
        ("Kind", "kind"),
        ("GSTIN", "gstin"),
        ("State", "state"),
        ("Address", "address"),
        ("PIN", "pin"),
        ("Ship to", "ship_address"),
        ("Phone", "phone"),
        ("Email", "email"),
        ("Credit limit", "credit_limit"),
        ("Credit days", "credit_days"),
    ):
        if data[key] not in (None, "", 0):
            print(f"{label + ':':<14}{data[key]}")
    if party.composition:
        print("Composition dealer")
    side = "they owe us" if standing.balance >= 0 else "we owe them"
    print(f"{'Balance:':<14}{abs(standing.balance):.2f} ({side}) as of {as_of:%d-%m-%Y}")
    if data.get("over_credit_limit"):
        print("Over the credit limit.")
    if standing.open_docs:
        print()
        table = Table(
            "Open bills",
            ("Number", "Date", "Due", "Days overdue", "Total", "Outstanding"),
            tuple(
                (d.number, d.doc_date, d.due_date, b["days_overdue"], d.grand_total, d.outstanding)
                for d, b in zip(standing.open_docs, bills, strict=True)
            ),
        )
        print(table.text())
    return 0


def party_ageing(args: argparse.Namespace) -> int:
    as_of = args.as_of or date.today()
    kind = PartyKind.SUPPLIER if args.suppliers else PartyKind.CUSTOMER
    with _open(args) as company, company.reader() as conn:
        rows = queries.ageing(conn, as_of, kind)
    heads = ("not_due", "days_1_30", "days_31_60", "days_61_90", "over_90")
    totals = [sum((getattr(r, h) for r in rows), ZERO) for h in heads]
    cells: list[tuple[Cell, ...]] = [
        (r.name, *(getattr(r, h) for h in heads), r.total) for r in rows
    ]
    cells.append(("Total", *totals, sum(totals, ZERO)))
    who = "suppliers (what we owe)" if args.suppliers else "customers (what they owe)"
    table = Table(
        f"Ageing of {who} as of {as_of:%d-%m-%Y}",
        ("Party", "Not due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days", "Total"),
        tuple(cells),
    )
    data = {
        "as_of": as_of.isoformat(),
        "parties": [
            {"party": r.name, **{h: _money(getattr(r, h)) for h in heads}, "total": _money(r.total)}
            for r in rows
        ],
        "total": _money(sum(totals, ZERO)),
    }
    return _out(args, table, data)


# Documents from JSON ---------------------------------------------------------------------

_DOC_FIELDS = {
    "kind",
    "date",
    "party",
    "walk_in",
    "place_of_supply",
    "reverse_charge",
    "export",
    "to_sez",
    "original",
    "original_number",
    "original_date",
    "reason",
    "supplier_number",
    "itc_eligible",
    "moves_stock",
    "lines",
    "tenders",
    "notes",
}
_LINE_FIELDS = {
    "item",
    "description",
    "qty",
    "price",
    "gst_rate",
    "hsn",
    "uqc",
    "discount",
    "inclusive",
    "cess_rate",
    "cess_per_unit",
    "taxability",
    "godown",
    "batch",
}
_WALK_IN_FIELDS = {"name", "gstin", "state", "address", "pin", "phone"}
_EXPORT_FIELDS = {"with_payment", "port_code", "shipping_bill", "shipping_bill_date"}
_TENDER_FIELDS = {"mode", "amount", "reference"}


def _load(text: str) -> tuple[list[dict[str, Any]], bool]:
    """The document objects of a JSON text and whether it was a list (a batch)."""

    def refuse_float(token: str) -> Decimal:
        raise BadDocumentFile(
            f"The number {token} is a JSON number with a fraction; write amounts and quantities "
            f'as strings ("{token}") so they stay exact.'
        )

    try:
        data = json.loads(text, parse_float=refuse_float)
    except json.JSONDecodeError as exc:
        raise BadDocumentFile(f"The document file is not valid JSON: {exc}.") from None
    batch = isinstance(data, list)
    items = data if batch else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise BadDocumentFile("The file must hold a document object or a list of them.")
    return items, batch


def _fields(value: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{what} must be an object")
    unknown = set(value) - allowed
    if unknown:
        raise ValidationError(f"{what} has unknown field(s) {', '.join(sorted(unknown))}")
    return value


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(f'{what} must be a string such as "12.50", not {value!r}')
    try:
        return D(value)
    except ValueError:
        raise ValidationError(f"{what} {value!r} is not a number") from None


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text, not {value!r}")
    return value


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be true or false, not {value!r}")
    return value


def _day(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(_text(value, what))
    except ValueError:
        raise ValidationError(f"{what} {value!r} is not a date like 2025-04-30") from None


class _Resolver:
    """Looks names up in the books, once per name, while drafts are built."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._parties: dict[str, queries.PartyView] = {}
        self._items: dict[str, stock_queries.ItemRow] = {}

    def party(self, name: str) -> queries.PartyView:
        if name not in self._parties:
            self._parties[name] = queries.party_by_name(self.conn, name)
        return self._parties[name]

    def item(self, name: str) -> stock_queries.ItemRow:
        if name not in self._items:
            self._items[name] = stock_queries.item_by_name(self.conn, name)
        return self._items[name]

    def original(self, number: str, kind: DocKind) -> PostedDocument:
        wanted = DocKind.PURCHASE_BILL if kind is DocKind.PURCHASE_RETURN else None
        try:
            return queries.document_by_number(self.conn, number, wanted)
        except NotFound:
            raise ValidationError(
                f"There is no invoice {number!r} in these books; for one outside them give "
                "original_number and original_date (or --original-date)."
            ) from None


def _line_from_json(raw: Any, kind: DocKind, books: _Resolver) -> DraftLine:
    data = _fields(raw, _LINE_FIELDS, "the line")
    if "qty" not in data:
        raise ValidationError("the line needs qty")
    item = books.item(_text(data["item"], "item")) if "item" in data else None
    if item is None and "description" not in data:
        raise ValidationError("the line needs an item (name or SKU) or a description")
    if item is None and "price" not in data:
        raise ValidationError("a line without an item needs a price")
    default_price = (item.sale_price if kind.outward else item.purchase_price) if item else ZERO
    taxability = Taxability.TAXABLE
    if "taxability" in data:
        try:
            taxability = Taxability(data["taxability"])
        except ValueError:
            listed = ", ".join(t.value for t in Taxability)
            raise ValidationError(f"taxability must be one of {listed}") from None
    godown_id = batch_id = None
    if "godown" in data:
        godown_id = stock_queries.godown_by_name(books.conn, _text(data["godown"], "godown")).id
    if "batch" in data:
        if item is None:
            raise ValidationError("a batch needs the item")
        batch = _text(data["batch"], "batch")
        batch_id = stock_queries.batch_by_number(books.conn, item.id, batch).id
    return DraftLine(
        description=_text(data["description"], "description")
        if "description" in data
        else (item.name if item else ""),
        qty=_decimal(data["qty"], "qty"),
        unit_price=_decimal(data["price"], "price") if "price" in data else default_price,
        gst_rate=_decimal(data["gst_rate"], "gst_rate")
        if "gst_rate" in data
        else (item.gst_rate if item else ZERO),
        item_id=item.id if item else None,
        hsn=_text(data["hsn"], "hsn") if "hsn" in data else (item.hsn if item else ""),
        uqc=(_text(data["uqc"], "uqc") if "uqc" in data else (item.unit if item else "NOS"))
        .strip()
        .upper(),
        discount_pct=_decimal(data["discount"], "discount") if "discount" in data else ZERO,
        cess_rate=_decimal(data["cess_rate"], "cess_rate") if "cess_rate" in data else ZERO,
        cess_per_unit=_decimal(data["cess_per_unit"], "cess_per_unit")
        if "cess_per_unit" in data
        else ZERO,
        price_includes_tax=_flag(data.get("inclusive", False), "inclusive"),
        taxability=taxability,
        godown_id=godown_id,
        batch_id=batch_id,
    )


def _walk_in(raw: Any) -> Counterparty:
    data = _fields(raw, _WALK_IN_FIELDS, "walk_in")
    state = _state(_text(data.get("state", ""), "walk_in state"))
    gstin = _text(data.get("gstin", ""), "walk_in gstin").strip() or None
    if gstin:
        gstin = parse_gstin(gstin, allow_special=True).value
        state = gstin[:2]
    return Counterparty(
        name=_text(data.get("name", ""), "walk_in name").strip() or "Cash Sale",
        gstin=gstin,
        state_code=state,
        billing=Address(
            _text(data.get("address", ""), "walk_in address"),
            state,
            _text(data.get("pin", ""), "walk_in pin"),
        ),
        phone=_text(data.get("phone", ""), "walk_in phone"),
    )


def _export(raw: Any) -> Export:
    data = _fields(raw, _EXPORT_FIELDS, "export")
    if "with_payment" not in data:
        raise ValidationError("export needs with_payment: true (IGST paid) or false (under LUT)")
    return Export(
        with_payment=_flag(data["with_payment"], "with_payment"),
        port_code=_text(data.get("port_code", ""), "port_code"),
        shipping_bill=_text(data.get("shipping_bill", ""), "shipping_bill"),
        shipping_bill_date=_day(data["shipping_bill_date"], "shipping_bill_date")
        if data.get("shipping_bill_date")
        else None,
    )


def _tender(raw: Any) -> Tender:
    data = _fields(raw, _TENDER_FIELDS, "a tender")
    try:
        mode = PaymentMode(data.get("mode", "cash"))
    except ValueError:
        raise ValidationError("a tender's mode is cash, upi, card or bank") from None
    if "amount" not in data:
        raise ValidationError("a tender needs an amount")
    return Tender(
        mode, _decimal(data["amount"], "amount"), _text(data.get("reference", ""), "reference")
    )


@dataclass(frozen=True)
class _Draft:
    draft: DocumentDraft
    rates_on: date  # the date whose GST rates apply (a note's original's)


def _draft_from_json(raw: dict[str, Any], books: _Resolver) -> _Draft:
    data = _fields(raw, _DOC_FIELDS, "the document")
    for field in ("date", "lines"):
        if field not in data:
            raise ValidationError(f"the field {field!r} is missing")
    try:
        kind = DocKind(data.get("kind", DocKind.SALES_INVOICE.value))
    except ValueError:
        listed = ", ".join(k.value for k in DocKind)
        raise ValidationError(f"kind {data.get('kind')!r} is not one of {listed}") from None
    doc_date = _day(data["date"], "date")
    if not isinstance(data["lines"], list):
        raise ValidationError("'lines' must be a list")
    lines = []
    for n, line in enumerate(data["lines"], start=1):
        try:
            lines.append(_line_from_json(line, kind, books))
        except AppError as exc:
            raise ValidationError(f"line {n}: {exc}") from None
    party = books.party(_text(data["party"], "party")) if data.get("party") else None
    tenders = data.get("tenders", [])
    if not isinstance(tenders, list):
        raise ValidationError("'tenders' must be a list")
    original_id, original_number, original_date = None, "", None
    if data.get("original"):
        original = books.original(_text(data["original"], "original"), kind)
        original_id, original_date = original.id, original.doc_date
    elif data.get("original_number"):
        original_number = _text(data["original_number"], "original_number")
        if "original_date" not in data:
            raise ValidationError("original_number needs original_date")
        original_date = _day(data["original_date"], "original_date")
    draft = DocumentDraft(
        kind=kind,
        doc_date=doc_date,
        lines=tuple(lines),
        party_id=party.id if party else None,
        walk_in=_walk_in(data["walk_in"]) if data.get("walk_in") else None,
        place_of_supply=_state(_text(data["place_of_supply"], "place_of_supply"))
        if data.get("place_of_supply")
        else None,
        reverse_charge=_flag(data.get("reverse_charge", False), "reverse_charge"),
        export=_export(data["export"]) if data.get("export") else None,
        to_sez=_flag(data.get("to_sez", False), "to_sez"),
        original_id=DocumentId(original_id) if original_id else None,
        original_number=original_number,
        original_date=original_date if original_id is None else None,
        reason=_text(data.get("reason", ""), "reason"),
        supplier_number=_text(data.get("supplier_number", ""), "supplier_number"),
        itc_eligible=_flag(data.get("itc_eligible", True), "itc_eligible"),
        moves_stock=_flag(data.get("moves_stock", True), "moves_stock"),
        tenders=tuple(_tender(t) for t in tenders),
        notes=_text(data.get("notes", ""), "notes"),
    )
    return _Draft(draft, original_date or doc_date)


def _quick_line(spec: str, kind: DocKind, books: _Resolver, inclusive: bool) -> DraftLine:
    """ITEM:QTY[@PRICE], the item by name or SKU (the last ':' splits, names may hold one)."""
    name, sep, rest = spec.rpartition(":")
    qty_text, at, price_text = rest.partition("@")
    if not sep or not name.strip() or not qty_text.strip() or (at and not price_text.strip()):
        raise ValidationError(f"Write a line as ITEM:QTY or ITEM:QTY@PRICE, not {spec!r}.")
    line: dict[str, Any] = {"item": name, "qty": qty_text.strip(), "inclusive": inclusive}
    if at:
        line["price"] = price_text.strip()
    try:
        return _line_from_json(line, kind, books)
    except ValidationError as exc:
        raise ValidationError(f"In --line {spec!r}: {str(exc).rstrip('.')}.") from None


def _quick_draft(args: argparse.Namespace, books: _Resolver) -> _Draft:
    if not args.line:
        raise ValidationError(
            "Give the lines with --line ITEM:QTY[@PRICE] (repeat it), or a JSON file with --from."
        )
    if args.party and args.walk_in:
        raise ValidationError("Give --party for a listed customer or --walk-in, not both.")
    kind = DocKind(args.kind)
    lines = tuple(_quick_line(spec, kind, books, args.inclusive) for spec in args.line)
    party = books.party(args.party) if args.party else None
    original_id, original_number, original_date = None, "", None
    if args.original and args.original_date:
        original_number, original_date = args.original, args.original_date
    elif args.original:
        original = books.original(args.original, kind)
        original_id, original_date = original.id, original.doc_date
    tenders = tuple(
        Tender(PaymentMode(mode), getattr(args, mode))
        for mode in ("cash", "upi", "card", "bank")
        if getattr(args, mode) is not None
    )
    doc_date = args.date or date.today()
    draft = DocumentDraft(
        kind=kind,
        doc_date=doc_date,
        lines=lines,
        party_id=party.id if party else None,
        walk_in=Counterparty(args.walk_in.strip()) if args.walk_in else None,
        place_of_supply=_state(args.place_of_supply) or None,
        reverse_charge=args.reverse_charge,
        original_id=original_id,
        original_number=original_number,
        original_date=original_date if original_id is None else None,
        reason=args.reason,
        supplier_number=args.supplier_number,
        moves_stock=not args.price_only,
        tenders=tenders,
        notes=args.notes,
    )
    return _Draft(draft, original_date or doc_date)


def _check_drafts(drafts: list[_Draft]) -> None:
    """Line faults named by document before anything is posted, so a batch says which one."""
    for n, entry in enumerate(drafts, start=1):
        problems = draft_problems(entry.draft, entry.rates_on)
        if problems:
            where = f"Document {n}: " if len(drafts) > 1 else ""
            raise ValidationError(where + " ".join(problems))


# Documents out ---------------------------------------------------------------------------


def _document_json(doc: PostedDocument) -> dict[str, Any]:
    cp = doc.counterparty
    return {
        "id": doc.id,
        "kind": doc.kind.value,
        "label": doc.kind.label,
        "number": doc.number,
        "our_reference": doc.our_reference,
        "date": doc.doc_date.isoformat(),
        "status": doc.status.value,
        "party_id": doc.party_id,
        "party": {
            "name": cp.name,
            "gstin": cp.gstin,
            "state": cp.state_code,
            "address": cp.billing.text,
            "pin": cp.billing.pin,
            "phone": cp.phone,
            "shipping": None
            if cp.shipping is None
            else {
                "address": cp.shipping.text,
                "state": cp.shipping.state_code,
                "pin": cp.shipping.pin,
            },
        },
        "place_of_supply": doc.place_of_supply,
        "seller_state": doc.seller_state,
        "seller_scheme": doc.seller_scheme.value,
        "reverse_charge": doc.reverse_charge,
        "inter_state": doc.inter_state,
        "state_tax_head": doc.state_tax_head,
        "taxable": _money(doc.taxable),
        "cgst": _money(doc.cgst),
        "sgst": _money(doc.sgst),
        "igst": _money(doc.igst),
        "cess": _money(doc.cess),
        "total_tax": _money(doc.total_tax),
        "round_off": _money(doc.round_off),
        "grand_total": _money(doc.grand_total),
        "export": None
        if doc.export is None
        else {
            "with_payment": doc.export.with_payment,
            "port_code": doc.export.port_code,
            "shipping_bill": doc.export.shipping_bill,
            "shipping_bill_date": doc.export.shipping_bill_date.isoformat()
            if doc.export.shipping_bill_date
            else None,
        },
        "to_sez": doc.to_sez,
        "original_number": doc.original_number or None,
        "original_date": doc.original_date.isoformat() if doc.original_date else None,
        "reason": doc.reason,
        "itc_eligible": doc.itc_eligible,
        "irn": doc.irn.irn if doc.irn else None,
        "notes": doc.notes,
        "voucher_id": doc.voucher_id,
        "lines": [
            {
                "line_no": line.line_no,
                "item_id": line.item_id,
                "description": line.description,
                "hsn": line.hsn,
                "uqc": line.uqc,
                "qty": str(line.qty),
                "price": _money(line.unit_price),
                "inclusive": line.price_includes_tax,
                "discount_pct": str(line.discount_pct),
                "gross": _money(line.gross),
                "discount": _money(line.discount),
                "taxable": _money(line.taxable),
                "gst_rate": str(line.gst_rate),
                "cess_rate": str(line.cess_rate),
                "cgst": _money(line.cgst),
                "sgst": _money(line.sgst),
                "igst": _money(line.igst),
                "cess": _money(line.cess),
                "total": _money(line.total),
                "taxability": line.taxability.value,
            }
            for line in doc.lines
        ],
    }


def _posted_json(posted: service.Posted, tendered: Decimal) -> dict[str, Any]:
    return _document_json(posted.document) | {
        "tendered": _money(tendered),
        "change": _money(posted.change),
        "warnings": list(posted.warnings),
    }


def _tax_text(doc: PostedDocument) -> str:
    heads = [("CGST", doc.cgst), (doc.state_tax_head, doc.sgst), ("IGST", doc.igst)]
    heads.append(("Cess", doc.cess))
    return ", ".join(f"{name} {amount:.2f}" for name, amount in heads if amount)


def invoice_create(args: argparse.Namespace) -> int:
    if args.source and args.line:
        raise ValidationError("Give either --from FILE or --line ..., not both.")
    batch = False
    items: list[dict[str, Any]] = []
    if args.source:
        text = sys.stdin.read() if args.source == "-" else Path(args.source).read_text("utf-8")
        items, batch = _load(text)
    with _open(args) as company:
        with company.reader() as conn:
            books = _Resolver(conn)
            if args.source:
                drafts = []
                for n, item in enumerate(items, start=1):
                    try:
                        drafts.append(_draft_from_json(item, books))
                    except AppError as exc:
                        where = f"document {n}" if batch else "the document"
                        raise BadDocumentFile(f"In {where}: {str(exc).rstrip('.')}.") from None
            else:
                drafts = [_quick_draft(args, books)]
        _check_drafts(drafts)
        posted = service.post_documents(company, [d.draft for d in drafts])
    results = [
        _posted_json(p, sum((t.amount for t in d.draft.tenders), ZERO))
        for p, d in zip(posted, drafts, strict=True)
    ]
    if args.json:
        print_json(results if batch else results[0])
        return 0
    for p in posted:
        doc = p.document
        for warning in p.warnings:
            print(f"warning: {warning}")
        ref = f" (our ref {doc.our_reference})" if doc.our_reference else ""
        tax = _tax_text(doc)
        print(
            f"Posted {doc.kind.label} {doc.number}{ref} for {doc.counterparty.name} on "
            f"{doc.doc_date:%d-%m-%Y}: taxable {doc.taxable:.2f}"
            + (f", {tax}" if tax else "")
            + (f", round-off {doc.round_off:.2f}" if doc.round_off else "")
            + f", total {doc.grand_total:.2f}."
        )
        if p.change:
            print(f"Change to give: {p.change:.2f}")
    return 0


def _find(conn: Connection, number: str, kind: str | None) -> PostedDocument:
    return queries.document_by_number(conn, number, DocKind(kind) if kind else None)


def invoice_show(args: argparse.Namespace) -> int:
    with _open(args) as company, company.reader() as conn:
        doc = _find(conn, args.number, args.kind)
    data = _document_json(doc)
    if args.json:
        print_json(data)
        return 0
    cp = doc.counterparty
    status = " (CANCELLED)" if doc.cancelled else ""
    print(f"{doc.kind.label} {doc.number}{status} dated {doc.doc_date:%d-%m-%Y}")
    if doc.our_reference:
        print(f"Our reference: {doc.our_reference}")
    print(f"Party: {cp.name}" + (f", GSTIN {cp.gstin}" if cp.gstin else ""))
    print(
        f"Place of supply: {doc.place_of_supply} ({state_by_code(doc.place_of_supply).name})"
        + (", reverse charge" if doc.reverse_charge else "")
    )
    if doc.original_number:
        print(
            f"Against: {doc.original_number} of {doc.original_date:%d-%m-%Y}"
            if doc.original_date
            else f"Against: {doc.original_number}"
        )
    if doc.reason:
        print(f"Reason: {doc.reason}")
    table = Table(
        "",
        ("#", "Description", "HSN", "Qty", "Unit", "Rate", "Taxable", "GST %", "Tax", "Total"),
        tuple(
            (
                line.line_no,
                line.description,
                line.hsn,
                line.qty,
                line.uqc,
                line.unit_price,
                line.taxable,
                line.gst_rate,
                line.tax,
                line.total,
            )
            for line in doc.lines
        ),
    )
    print(table.text())
    print()
    print(f"Taxable value: {doc.taxable:.2f}")
    tax = _tax_text(doc)
    if tax:
        print(f"Tax: {tax}")
    if doc.round_off:
        print(f"Round-off: {doc.round_off:.2f}")
    print(f"Grand total: {doc.grand_total:.2f}")
    return 0


def _period(company: Company, start: date | None, end: date | None) -> tuple[date, date]:
    end = end or date.today()
    return start or financial_year(end, company.profile.fy_start_month).start, end


def invoice_list(args: argparse.Namespace) -> int:
    kinds = [DocKind(k) for k in args.kind] if args.kind else list(DocKind)
    with _open(args) as company, company.reader() as conn:
        start, end = _period(company, args.start, args.end)
        rows = queries.register(conn, start, end, kinds, args.search, args.limit)
    table = Table(
        f"Documents {start:%d-%m-%Y} to {end:%d-%m-%Y}",
        ("Date", "Kind", "Number", "Party", "GSTIN", "Taxable", "Tax", "Total", "Status"),
        tuple(
            (
                r.doc_date,
                r.kind.label,
                r.number,
                r.party,
                r.gstin or "",
                r.taxable,
                r.tax,
                r.grand_total,
                r.status.value,
            )
            for r in rows
        ),
    )
    data = [
        {
            "id": r.id,
            "date": r.doc_date.isoformat(),
            "kind": r.kind.value,
            "number": r.number,
            "party": r.party,
            "gstin": r.gstin,
            "taxable": _money(r.taxable),
            "tax": _money(r.tax),
            "grand_total": _money(r.grand_total),
            "status": r.status.value,
        }
        for r in rows
    ]
    return _out(args, table, data)


def invoice_cancel(args: argparse.Namespace) -> int:
    on = args.date or date.today()
    with _open(args) as company:
        with company.reader() as conn:
            doc = _find(conn, args.number, args.kind)
        service.cancel_document(company, doc.id, on, args.reason)
    if args.json:
        print_json(
            {"id": doc.id, "number": doc.number, "status": "cancelled", "date": on.isoformat()}
        )
    else:
        print(f"Cancelled {doc.kind.label} {doc.number} on {on:%d-%m-%Y}; the number stays used.")
    return 0


def _pdf_request(args: argparse.Namespace) -> bool:
    """Whether the command asks for a batch; refuses a half-given one."""
    batch = bool(args.start or args.end or args.folder)
    if batch and args.number:
        raise ValidationError("Give a NUMBER for one PDF, or --from, --to and --folder for many.")
    if not batch and not args.number:
        raise ValidationError("Say which document (NUMBER) or which period (--from --to --folder).")
    if batch and not (args.start and args.end and args.folder):
        raise ValidationError("A batch needs all of --from DATE, --to DATE and --folder DIR.")
    if batch and args.receipt:
        raise ValidationError("A batch prints A4 invoices; print receipts one at a time.")
    return batch


def invoice_pdf(args: argparse.Namespace) -> int:
    from app.billing import printing  # reportlab is paid for only by commands that print

    batch = _pdf_request(args)
    chosen = printing.load_template(args.template) if args.template else None
    with _open(args) as company:
        head = printing.letterhead_from(company.profile)
        with company.reader() as conn:
            if batch:
                # What we issued in the period (a supplier's bill is theirs to print).
                docs = [
                    d
                    for d in queries.documents_between(conn, args.start, args.end)
                    if d.kind.posts_voucher and d.kind is not DocKind.PURCHASE_BILL
                ]
            else:
                docs = [_find(conn, args.number, args.kind)]
    template = chosen or printing.load_template(DEFAULT_TEMPLATE)
    if batch:
        folder = Path(args.folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = [str(p) for p in printing.export_pdfs(docs, head, template, folder)]
        if args.json:
            print_json({"folder": str(folder), "files": files})
        else:
            print(f"Wrote {len(files)} PDFs to {folder}.")
        return 0
    doc = docs[0]
    out = Path(args.out or printing.pdf_file_name(doc.number))
    if args.receipt:
        printing.receipt_pdf(doc, head, out, chosen)
    else:
        printing.invoice_pdf(doc, head, template, out)
    if args.json:
        print_json({"number": doc.number, "file": str(out)})
    else:
        print(f"Wrote {doc.kind.label} {doc.number} to {out}.")
    return 0


# Receipts and payments -------------------------------------------------------------------


def _allocations(
    specs: list[str], party: queries.PartyView, open_docs: list[queries.OpenDocument]
) -> list[tuple[DocumentId, Decimal]]:
    by_number = {d.number: d for d in open_docs}
    found = []
    for spec in specs:
        number, sep, amount = spec.rpartition("=")
        if not sep or not number.strip():
            raise ValidationError(f"Write an allocation as NUMBER=AMOUNT, not {spec!r}.")
        doc = by_number.get(number.strip())
        if doc is None:
            listed = ", ".join(by_number) or "none"
            raise ValidationError(
                f"{number.strip()} is not an open bill of {party.name} (open: {listed})."
            )
        try:
            found.append((doc.id, D(amount)))
        except ValueError:
            raise ValidationError(f"{amount!r} in {spec!r} is not an amount.") from None
    return found


def settlement_add(args: argparse.Namespace) -> int:
    receiving = args.direction == "receipt"
    on = args.date or date.today()
    with _open(args) as company:
        with company.reader() as conn:
            party = queries.party_by_name(conn, args.party)
            # record_settlement receives from customers (and 'both') and pays suppliers.
            if receiving and party.kind is PartyKind.SUPPLIER:
                raise ValidationError(
                    f"{party.name} is a supplier: record money paid to them with "
                    "'bahi payment add'."
                )
            if not receiving and party.kind is not PartyKind.SUPPLIER:
                raise ValidationError(
                    f"{party.name} is a {party.kind.value}: record money from them with "
                    "'bahi receipt add'."
                )
            against = _allocations(args.against, party, queries.open_documents(conn, party.id))
        tender = Tender(PaymentMode(args.mode), args.amount, args.ref)
        settlement_id = service.record_settlement(company, PartyId(party.id), on, tender, against)
        with company.reader() as conn:
            standing = _standing(conn, party, ledger_queries.balances(conn, on), on)
    allocated = sum((a for _, a in against), ZERO)
    data = {
        "id": settlement_id,
        "kind": args.direction,
        "party": party.name,
        "date": on.isoformat(),
        "mode": args.mode,
        "amount": _money(args.amount),
        "allocated": _money(allocated),
        "on_account": _money(args.amount - allocated),
        "balance": _money(standing.balance),
        "due_on_bills": _money(standing.due),
    }
    if args.json:
        print_json(data)
    else:
        verb = "Received from" if receiving else "Paid to"
        print(
            f"{verb} {party.name}: {args.amount:.2f} by {args.mode} on {on:%d-%m-%Y}; "
            f"{allocated:.2f} against bills, {args.amount - allocated:.2f} on account."
        )
        side = "they owe us" if standing.balance >= 0 else "we owe them"
        print(f"Balance now {abs(standing.balance):.2f} ({side}).")
    return 0
