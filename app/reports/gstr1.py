"""GSTR-1 from posted documents: the portal offline tool's JSON, its schema check and a summary.

Pure: it reads ``PostedDocument`` values and never recomputes tax, so the return carries the
figures printed on the invoices (gst.md §4). Which documents count: outward invoices, bills of
supply and notes dated inside the return period; a cancelled one appears only in Table 13
(``doc_issue``), because it keeps its number (Rule 46(b)); purchase documents are ignored.

Each reported document lands in exactly one of b2b, b2cl, b2cs, cdnr, cdnur and exp for its
taxable lines, and in ``nil`` for its nil-rated, exempt and non-GST lines. A document that
cannot be placed raises ``UnplaceableDocument``; ``app.reports.gst_readiness`` lists the same
faults as problems before the user exports.

Amounts stay Decimal until ``gstr1_json`` writes them as JSON numbers with two places.

Two ways in, one way out: ``gstr1`` reads documents with their lines; ``gstr1_from_stored``
takes the per-document, per-rate and per-HSN sums a database groups for it, as the integers
it stores (paise, thousandths, hundredths of a percent), so a month of 250,000 lines never
becomes Python objects line by line (issue 3: under 3 s). Both place documents, build the
entries and write the tables with the same code below; only the sums differ in type (Decimal
or integer), and ``_Units`` turns either into the JSON's Decimals.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache, lru_cache
from operator import add, itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from app import config
from app.billing.model import DocKind, DocumentId, Export, PostedDocument, PostedLine
from app.errors import ValidationError
from app.gst import SellerScheme, Taxability, parse_gstin
from app.gst.periods import ReturnPeriod
from app.money import ZERO, from_paise, round_paise
from app.reports.exact_json import exact_json
from app.reports.table import Cell, Table
from app.storage.files import write_whole

VERSION = "GST3.1.8"
REPORTED_KINDS = frozenset(
    {DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY, DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE}
)
NOTE_KINDS = frozenset({DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE})

# Rule 59(4) as amended by Notification 12/2024-CT: a B2C inter-state invoice is "large" above
# Rs 2,50,000 up to 31-07-2024 and above Rs 1,00,000 from 01-08-2024, judged by invoice date.
_B2CL_LIMIT_CHANGE = date(2024, 8, 1)
_B2CL_LIMIT_BEFORE = Decimal("250000")
_B2CL_LIMIT_AFTER = Decimal("100000")
# GSTN splits Table 12 into B2B and B2C lists for return periods from January 2025 (gst.md §4.8).
HSN_SPLIT_FROM = date(2025, 1, 1)
# Table 13 nature codes (gst.md §4.9).
DOC_NATURE = {
    DocKind.SALES_INVOICE: 1,
    DocKind.BILL_OF_SUPPLY: 1,
    DocKind.DEBIT_NOTE: 4,
    DocKind.CREDIT_NOTE: 5,
}
SERVICE_UQC = "NA"  # services are reported with UQC NA and quantity 0 (gst.md §4.8)

_TRAILING_DIGITS = re.compile(r"^(.*?)(\d*)$")
_ASCII_DIGITS = "0123456789"


class UnplaceableDocument(ValidationError):
    """A document that belongs in GSTR-1 but fits none of its tables."""


class Section(StrEnum):
    B2B = "b2b"
    B2CL = "b2cl"
    B2CS = "b2cs"
    CDNR = "cdnr"
    CDNUR = "cdnur"
    EXP = "exp"
    NIL = "nil"

    @property
    def label(self) -> str:
        return _SECTION_LABELS[self]


_SECTION_LABELS = {
    Section.B2B: "4A/4B B2B invoices",
    Section.B2CL: "5 B2C large invoices",
    Section.B2CS: "7 B2C others",
    Section.CDNR: "9B Credit/debit notes (registered)",
    Section.CDNUR: "9B Credit/debit notes (unregistered)",
    Section.EXP: "6A Exports",
    Section.NIL: "8 Nil-rated, exempt, non-GST",
}


def b2cl_limit(invoice_date: date) -> Decimal:
    """The invoice value above which an inter-state B2C invoice goes to B2CL."""
    return _B2CL_LIMIT_AFTER if invoice_date >= _B2CL_LIMIT_CHANGE else _B2CL_LIMIT_BEFORE


@lru_cache(maxsize=4096)  # a month's 50,000 documents share 31 dates
def gst_date(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def is_reported(document: Placeable, period: ReturnPeriod) -> bool:
    """An outward document of the period that GSTR-1 reports (cancelled ones in Table 13 only)."""
    return document.kind in REPORTED_KINDS and document.doc_date in period


def series_of(number: str) -> tuple[str, int | None]:
    """A number's series (the prefix before its trailing digits) and its serial in it."""
    prefix = number.rstrip(_ASCII_DIGITS)  # the quick way, for a month's 50,000 numbers
    if prefix[-1:].isdecimal() or "\n" in number:  # \d takes other digits; $ a last newline
        match = _TRAILING_DIGITS.match(number)
        assert match is not None  # the pattern matches every string
        return match[1], int(match[2]) if match[2] else None
    digits = number[len(prefix) :]
    return prefix, int(digits) if digits else None


def nil_head(document: Placeable, line: PostedLine) -> str | None:
    """The Table 8 column for an untaxed line, or None for a line reported with its tax.

    A taxable line at 0% with no tax is nil-rated, except on a zero-rated supply (an export or
    a supply to an SEZ), which belongs in exp or b2b at rate 0.
    """
    zero_rated = document.export is not None or document.to_sez
    return _nil_column(line.taxability, line.gst_rate == 0 and line.tax == 0, zero_rated)


def _nil_column(taxability: Taxability, untaxed_at_zero: bool, zero_rated: bool) -> str | None:
    """``nil_head`` for a line (or a group of lines) known by its taxability, whether it is at
    0% with no tax, and whether its document is a zero-rated supply."""
    if taxability is Taxability.NIL_RATED:
        return "nil_amt"
    if taxability is Taxability.EXEMPT:
        return "expt_amt"
    if taxability is Taxability.NON_GST:
        return "ngsup_amt"
    if not zero_rated and untaxed_at_zero:
        return "nil_amt"
    return None


# --- placing documents -----------------------------------------------------------------------


class Placeable(Protocol):
    """What placing a document in a table reads: a ``PostedDocument`` or an ``OutwardHead``."""

    @property
    def kind(self) -> DocKind: ...
    @property
    def number(self) -> str: ...
    @property
    def doc_date(self) -> date: ...
    @property
    def seller_scheme(self) -> SellerScheme: ...
    @property
    def export(self) -> Export | None: ...
    @property
    def is_b2b(self) -> bool: ...
    @property
    def to_sez(self) -> bool: ...
    @property
    def inter_state(self) -> bool: ...
    @property
    def grand_total(self) -> Decimal: ...
    @property
    def original_id(self) -> DocumentId | None: ...
    @property
    def original_date(self) -> date | None: ...


class OutwardHead(NamedTuple):
    """What GSTR-1 reads of a document besides its lines (a tuple: a month has 50,000)."""

    id: DocumentId
    kind: DocKind
    number: str
    doc_date: date
    cancelled: bool
    seller_scheme: SellerScheme
    gstin: str  # the buyer's as printed, "" when unregistered
    place_of_supply: str
    reverse_charge: bool
    inter_state: bool
    to_sez: bool
    igst: Decimal
    grand_total: Decimal
    export: Export | None
    original_id: DocumentId | None
    original_date: date | None
    # read by the readiness check only
    cgst: Decimal
    sgst: Decimal
    original_number: str

    @property
    def is_b2b(self) -> bool:
        return bool(self.gstin)


def head_of(document: PostedDocument) -> OutwardHead:
    return OutwardHead(
        document.id,
        document.kind,
        document.number,
        document.doc_date,
        document.cancelled,
        document.seller_scheme,
        document.counterparty.gstin or "",
        document.place_of_supply,
        document.reverse_charge,
        document.inter_state,
        document.to_sez,
        document.igst,
        document.grand_total,
        document.export,
        document.original_id,
        document.original_date,
        document.cgst,
        document.sgst,
        document.original_number,
    )


def _is_large_b2c(document: Placeable, by_id: Mapping[DocumentId, Placeable]) -> bool:
    """B2CL (or cdnur B2CL for a note): unregistered, inter-state, value above the limit."""
    if not document.inter_state:
        return False
    if document.kind in NOTE_KINDS:
        original = by_id.get(document.original_id) if document.original_id is not None else None
        if original is not None and original.kind not in NOTE_KINDS:
            return _is_large_b2c(original, by_id)
        # The original is not among the documents given: judge by the note itself, at the date
        # of the invoice it corrects when known.
        return document.grand_total > b2cl_limit(document.original_date or document.doc_date)
    return document.grand_total > b2cl_limit(document.doc_date)


def section_of(document: Placeable, by_id: Mapping[DocumentId, Placeable] | None = None) -> Section:
    """The table for a reported document's taxable lines; raises UnplaceableDocument.

    ``by_id`` lets a note to an unregistered buyer follow its original invoice into B2CL.
    """
    if document.seller_scheme is SellerScheme.COMPOSITION:
        raise UnplaceableDocument(
            f"{document.kind.label} {document.number} was issued under the composition scheme; "
            "a composition dealer reports in CMP-08 and GSTR-4, not GSTR-1. Check the company's "
            "GST registration type."
        )
    note = document.kind in NOTE_KINDS
    if document.export is not None:
        return Section.CDNUR if note else Section.EXP
    if document.is_b2b:
        return Section.CDNR if note else Section.B2B
    if document.to_sez:
        raise UnplaceableDocument(
            f"{document.kind.label} {document.number} is a supply to an SEZ but the buyer has no "
            "GSTIN; enter the SEZ unit's GSTIN on the document."
        )
    if _is_large_b2c(document, by_id or {}):
        return Section.CDNUR if note else Section.B2CL
    return Section.B2CS


# --- accumulating figures ----------------------------------------------------------------------

# A sum as the way in gives it: Decimal from documents, or an integer from stored sums (paise,
# thousandths of a unit, hundredths of a percent), exact either way until the JSON.
Figure = Decimal | int
_Sums = list[Figure]  # txval, iamt, camt, samt, csamt
_Rows = Mapping[Figure, Sequence[Figure]]  # a document's sums (as _Sums) by GST rate


def _accumulate(total: _Sums, rows: Iterable[Sequence[Figure]], subtract: bool) -> None:
    """Add (or, for a credit note, subtract) rows into ``total``, element by element."""
    for row in rows:
        if subtract:
            total[0] -= row[0]
            total[1] -= row[1]
            total[2] -= row[2]
            total[3] -= row[3]
            total[4] -= row[4]
        else:
            total[0] += row[0]
            total[1] += row[1]
            total[2] += row[2]
            total[3] += row[3]
            total[4] += row[4]


def _rate(value: Decimal) -> Decimal:
    """A rate as the portal writes it: 18, 0.25, 1.5 (no trailing zeros, no exponent)."""
    return Decimal(format(value.normalize(), "f"))


@dataclass(frozen=True)
class _Units:
    """How one way in's sums become the JSON's numbers."""

    zero: Figure
    money: Callable[[Any], Decimal]  # a sum of amounts -> two places
    quantity: Callable[[Any], Decimal]  # a sum of quantities -> two places (the portal's)
    rate: Callable[[Any], Decimal]  # a GST rate -> 18, 0.25
    summed: Callable[[Any], Decimal]  # a sum of amounts as the on-screen summary shows it


class _Once(dict[int, Decimal]):
    """A stored integer's Decimal, worked out once per distinct value (rates and many amounts
    repeat across a month); a repeat is a dict lookup with no Python call."""

    def __init__(self, convert: Callable[[int], Decimal]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, stored: int) -> Decimal:
        found = self[stored] = self._convert(stored)
        return found


_THOUSAND = Decimal(1000)
_DOCUMENT_UNITS = _Units(ZERO, round_paise, round_paise, _rate, lambda amount: amount)


def _stored_units() -> _Units:
    return _Units(
        0,
        _Once(from_paise).__getitem__,
        lambda thousandths: round_paise(Decimal(thousandths) / _THOUSAND),
        _Once(lambda hundredths: _rate(Decimal(hundredths).scaleb(-2))).__getitem__,
        from_paise,
    )


def _tax_fields(sums: Sequence[Figure], inter_state: bool, units: _Units) -> dict[str, Any]:
    """txval and the tax heads of one row; the heads that do not apply are left out unless a
    document carries them anyway (then they show, and the readiness check says why)."""
    txval, iamt, camt, samt, csamt = sums
    money = units.money
    fields: dict[str, Any] = {"txval": money(txval)}
    if inter_state or iamt:
        fields["iamt"] = money(iamt)
    if not inter_state or camt or samt:
        fields["camt"] = money(camt)
        fields["samt"] = money(samt)
    fields["csamt"] = money(csamt)
    return fields


def _items(rows: _Rows, inter_state: bool, units: _Units, *, igst_only: bool) -> list[Any]:
    """An invoice's or note's rows by rate: ``_tax_fields`` after the rate, written out here
    because a month has tens of thousands of them; b2cl and cdnur carry IGST and cess only."""
    items = []
    money, rate_of = units.money, units.rate
    for num, (rate, (txval, iamt, camt, samt, csamt)) in enumerate(sorted(rows.items()), start=1):
        detail = {"rt": rate_of(rate), "txval": money(txval)}
        if inter_state or iamt:
            detail["iamt"] = money(iamt)
        if not igst_only and (not inter_state or camt or samt):
            detail["camt"] = money(camt)
            detail["samt"] = money(samt)
        detail["csamt"] = money(csamt)
        items.append({"num": num, "itm_det": detail})
    return items


def _hsn_key(
    b2b: bool, code: str, uqc: str, rate: Figure, kind: DocKind
) -> tuple[tuple[bool, str, str, Figure], bool]:
    """A line's Table 12 row, and whether its quantity counts: services go with UQC NA and no
    quantity (gst.md §4.8), and a debit note (a price rise) moves no goods."""
    if code.startswith("99"):
        return (b2b, code, SERVICE_UQC, rate), False
    return (b2b, code, uqc, rate), kind is not DocKind.DEBIT_NOTE


@dataclass(frozen=True)
class SectionSummary:
    """One row of the on-screen summary; amounts signed (credit notes reduce)."""

    section: Section
    documents: int
    taxable: Decimal
    igst: Decimal
    cgst: Decimal
    sgst: Decimal
    cess: Decimal
    document_ids: tuple[DocumentId, ...]  # for drill-down, in date and number order


@dataclass(frozen=True)
class Gstr1Summary:
    gstin: str
    period: ReturnPeriod
    rows: tuple[SectionSummary, ...]  # sections with documents, in return order
    documents_issued: int  # Table 13, cancelled included
    documents_cancelled: int

    def table(self) -> Table:
        body: list[tuple[Cell, ...]] = [
            (row.section.label, row.documents, row.taxable, row.igst, row.cgst, row.sgst, row.cess)
            for row in self.rows
        ]
        return Table(
            f"GSTR-1 {self.gstin} {self.period.label}",
            ("Table", "Documents", "Taxable", "IGST", "CGST", "SGST/UTGST", "Cess"),
            tuple(body),
        )


class _Return:
    """One pass over the documents, collecting both the JSON tables and the summary."""

    def __init__(self, gstin: str, period: ReturnPeriod, units: _Units, *, summarise: bool) -> None:
        self.gstin = gstin
        self.period = period
        self.units = units
        self.summarise = summarise  # the on-screen summary's figures too, not only the JSON
        self.b2b: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.b2cl: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.b2cs: dict[tuple[str, str, Figure, str], _Sums] = {}
        self.cdnr: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.cdnur: list[dict[str, Any]] = []
        self.exp: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.nil: dict[str, list[Figure]] = {}
        # (b2b?, hsn, uqc, rate) -> qty, txval, iamt, camt, samt, csamt
        self.hsn: dict[tuple[bool, str, str, Figure], list[Figure]] = {}
        self.hsn_minus: dict[tuple[bool, str, str, Figure], list[Figure]] = {}  # credit notes
        self.series: dict[int, dict[str, list[tuple[int, str, bool]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.summary_ids: dict[Section, list[DocumentId]] = defaultdict(list)
        self.summary_sums: dict[Section, _Sums] = defaultdict(self._zero_sums)
        self.reported = 0
        self.cancelled = 0

    def _zero_sums(self) -> _Sums:
        zero = self.units.zero
        return [zero, zero, zero, zero, zero]

    def issued(self, head: OutwardHead, prefix: str, serial: int | None) -> None:
        """Table 13 counts every reported document, cancelled ones too."""
        self.series[DOC_NATURE[head.kind]][prefix].append(
            (serial if serial is not None else 0, head.number, head.cancelled)
        )
        self.reported += 1
        self.cancelled += head.cancelled

    def add(
        self,
        document: PostedDocument,
        by_id: Mapping[DocumentId, PostedDocument],
        prefix: str,
        serial: int | None,
    ) -> None:
        head = head_of(document)
        self.issued(head, prefix, serial)
        if head.cancelled:
            return
        section = section_of(document, by_id)
        # One pass over the lines, without the sign: a credit note's HSN figures go to their
        # own table and are subtracted at the end (250,000 lines a month must stay cheap).
        b2b = head.is_b2b
        kind = head.kind
        hsn = self.hsn_minus if kind is DocKind.CREDIT_NOTE else self.hsn
        rows: dict[Figure, _Sums] = {}
        untaxed: list[Figure] | None = None
        for line in document.lines:
            rate = line.gst_rate
            taxable, igst, cgst, sgst, cess = (
                line.taxable,
                line.igst,
                line.cgst,
                line.sgst,
                line.cess,
            )
            head_column = None
            if line.taxability is not Taxability.TAXABLE or not rate:
                head_column = nil_head(document, line)
            if head_column is None:
                sums = rows.get(rate)
                if sums is None:
                    rows[rate] = [taxable, igst, cgst, sgst, cess]
                else:
                    sums[0] += taxable
                    sums[1] += igst
                    sums[2] += cgst
                    sums[3] += sgst
                    sums[4] += cess
            else:
                if untaxed is None:
                    untaxed = [ZERO, ZERO, ZERO]
                untaxed[_NIL_COLUMNS.index(head_column)] += taxable
            key, counts_qty = _hsn_key(b2b, line.hsn, line.uqc, rate, kind)
            qty = line.qty if counts_qty else ZERO
            row = hsn.get(key)
            if row is None:
                hsn[key] = [qty, taxable, igst, cgst, sgst, cess]
            else:
                row[0] += qty
                row[1] += taxable
                row[2] += igst
                row[3] += cgst
                row[4] += sgst
                row[5] += cess
        self.place(head, section, rows, untaxed)

    def place(
        self, head: OutwardHead, section: Section, rows: _Rows, untaxed: list[Figure] | None
    ) -> None:
        """A document's per-rate sums of taxed lines into its table, its untaxed ones (nil,
        exempt, non-GST) into Table 8."""
        if rows or untaxed is None:  # a document without lines still shows where it went
            self._add_taxed(head, section, rows)
        if untaxed is not None:
            self._add_nil(head, untaxed)

    def _count(
        self, section: Section, document: OutwardHead, sums: Iterable[Sequence[Figure]]
    ) -> None:
        self.summary_ids[section].append(document.id)
        _accumulate(self.summary_sums[section], sums, document.kind is DocKind.CREDIT_NOTE)

    def _add_taxed(self, document: OutwardHead, section: Section, rows: _Rows) -> None:
        if self.summarise:
            self._count(section, document, rows.values())
        if section is Section.B2CS:
            self._add_b2cs(document, rows)
        elif section is Section.EXP:
            assert document.export is not None
            kind = "WPAY" if document.export.with_payment else "WOPAY"
            self.exp[kind].append(_export_entry(document, rows, self.units))
        elif section is Section.CDNUR:
            self.cdnur.append(_cdnur_entry(document, rows, self.units))
        elif section is Section.B2CL:
            self.b2cl[document.place_of_supply].append(
                {
                    "inum": document.number,
                    "idt": gst_date(document.doc_date),
                    "val": round_paise(document.grand_total),
                    "itms": _items(rows, document.inter_state, self.units, igst_only=True),
                }
            )
        else:  # B2B or CDNR: a registered buyer
            target = self.b2b if section is Section.B2B else self.cdnr
            target[_ctin(document)].append(_registered_entry(document, rows, self.units))

    def _add_b2cs(self, document: OutwardHead, rows: _Rows) -> None:
        sply_ty = "INTER" if document.inter_state else "INTRA"
        pos = document.place_of_supply
        credit = document.kind is DocKind.CREDIT_NOTE
        b2cs = self.b2cs
        for rate, sums in rows.items():
            key = (sply_ty, pos, rate, "OE")
            total = b2cs.get(key)
            if total is None:
                total = b2cs[key] = self._zero_sums()
            if credit:
                _accumulate(total, (sums,), True)
            else:  # most of a shop's month: kept inline
                total[0] += sums[0]
                total[1] += sums[1]
                total[2] += sums[2]
                total[3] += sums[3]
                total[4] += sums[4]

    def _add_nil(self, document: OutwardHead, untaxed: list[Figure]) -> None:
        sply_ty = ("INTR" if document.inter_state else "INTRA") + (
            "B2B" if document.is_b2b else "B2C"
        )
        zero = self.units.zero
        amounts = self.nil.get(sply_ty)
        if amounts is None:
            amounts = self.nil[sply_ty] = [zero, zero, zero]
        sign = -1 if document.kind is DocKind.CREDIT_NOTE else 1
        for index in range(3):
            amounts[index] += sign * untaxed[index]
        if self.summarise:
            self._count(Section.NIL, document, [[sum(untaxed, zero), zero, zero, zero, zero]])

    # --- output ---

    def json(self) -> dict[str, Any]:
        units = self.units
        data: dict[str, Any] = {
            "gstin": self.gstin,
            "fp": self.period.fp,
            "version": VERSION,
            "hash": "hash",
        }
        if self.b2b:
            data["b2b"] = [{"ctin": ctin, "inv": self.b2b[ctin]} for ctin in sorted(self.b2b)]
        if self.b2cl:
            data["b2cl"] = [{"pos": pos, "inv": self.b2cl[pos]} for pos in sorted(self.b2cl)]
        if self.b2cs:
            data["b2cs"] = [
                {
                    "sply_ty": sply_ty,
                    "pos": pos,
                    "typ": typ,
                    "rt": units.rate(rate),
                    **_tax_fields(sums, sply_ty == "INTER", units),
                }
                for (sply_ty, pos, rate, typ), sums in sorted(self.b2cs.items())
            ]
        if self.cdnr:
            data["cdnr"] = [{"ctin": ctin, "nt": self.cdnr[ctin]} for ctin in sorted(self.cdnr)]
        if self.cdnur:
            data["cdnur"] = self.cdnur
        if self.exp:
            data["exp"] = [
                {"exp_typ": kind, "inv": self.exp[kind]}
                for kind in ("WPAY", "WOPAY")
                if kind in self.exp
            ]
        if self.nil:
            data["nil"] = {
                "inv": [
                    {
                        "sply_ty": sply_ty,
                        **{
                            column: units.money(amount)
                            for column, amount in zip(_NIL_COLUMNS, self.nil[sply_ty], strict=True)
                        },
                    }
                    for sply_ty in _NIL_SUPPLY_TYPES
                    if sply_ty in self.nil
                ]
            }
        if self.hsn or self.hsn_minus:
            data["hsn"] = self._hsn_json()
        if self.series:
            data["doc_issue"] = {"doc_det": self._doc_issue_json()}
        return data

    def _hsn_json(self) -> dict[str, Any]:
        units = self.units
        split = self.period.start >= HSN_SPLIT_FROM
        net: dict[tuple[bool, str, str, Figure], list[Figure]] = {}
        for table, sign in ((self.hsn, 1), (self.hsn_minus, -1)):
            for (b2b, hsn, uqc, rate), values in table.items():
                total = net.setdefault((b2b and split, hsn, uqc, rate), [units.zero] * 6)
                for index, value in enumerate(values):
                    total[index] += sign * value

        def rows(b2b: bool) -> list[dict[str, Any]]:
            keys = sorted(key for key in net if key[0] is b2b)
            out = []
            for num, key in enumerate(keys, start=1):
                qty, txval, iamt, camt, samt, csamt = net[key]
                out.append(
                    {
                        "num": num,
                        "hsn_sc": key[1],
                        "uqc": key[2],
                        "qty": units.quantity(qty),
                        "rt": units.rate(key[3]),
                        "txval": units.money(txval),
                        "iamt": units.money(iamt),
                        "camt": units.money(camt),
                        "samt": units.money(samt),
                        "csamt": units.money(csamt),
                    }
                )
            return out

        if not split:
            return {"data": rows(False)}
        lists = {"hsn_b2b": rows(True), "hsn_b2c": rows(False)}
        return {name: found for name, found in lists.items() if found}

    def _doc_issue_json(self) -> list[dict[str, Any]]:
        details = []
        for nature in sorted(self.series):
            docs = []
            for num, prefix in enumerate(sorted(self.series[nature]), start=1):
                numbers = sorted(self.series[nature][prefix])
                cancelled = sum(1 for _, _, cancel in numbers if cancel)
                docs.append(
                    {
                        "num": num,
                        "from": numbers[0][1],
                        "to": numbers[-1][1],
                        "totnum": len(numbers),
                        "cancel": cancelled,
                        "net_issue": len(numbers) - cancelled,
                    }
                )
            details.append({"doc_num": nature, "docs": docs})
        return details

    def summary(self) -> Gstr1Summary:
        rows = []
        for section in Section:
            ids = self.summary_ids.get(section)
            if not ids:
                continue
            taxable, igst, cgst, sgst, cess = map(self.units.summed, self.summary_sums[section])
            rows.append(
                SectionSummary(section, len(ids), taxable, igst, cgst, sgst, cess, tuple(ids))
            )
        return Gstr1Summary(
            gstin=self.gstin,
            period=self.period,
            rows=tuple(rows),
            documents_issued=self.reported,
            documents_cancelled=self.cancelled,
        )


_NIL_COLUMNS = ("nil_amt", "expt_amt", "ngsup_amt")
_NIL_SUPPLY_TYPES = ("INTRB2B", "INTRAB2B", "INTRB2C", "INTRAB2C")


def _registered_entry(document: OutwardHead, rows: _Rows, units: _Units) -> dict[str, Any]:
    """A b2b invoice or a cdnr note."""
    entry: dict[str, Any]
    if document.kind in NOTE_KINDS:
        entry = {
            "ntty": _note_type(document),
            "nt_num": document.number,
            "nt_dt": gst_date(document.doc_date),
        }
    else:
        entry = {"inum": document.number, "idt": gst_date(document.doc_date)}
    entry["val"] = round_paise(document.grand_total)
    entry["pos"] = document.place_of_supply
    entry["rchrg"] = "Y" if document.reverse_charge else "N"
    entry["inv_typ"] = _invoice_type(document)
    entry["itms"] = _items(rows, document.inter_state, units, igst_only=False)
    return entry


def _cdnur_entry(document: OutwardHead, rows: _Rows, units: _Units) -> dict[str, Any]:
    note: dict[str, Any] = {
        "typ": _cdnur_type(document),
        "ntty": _note_type(document),
        "nt_num": document.number,
        "nt_dt": gst_date(document.doc_date),
        "val": round_paise(document.grand_total),
    }
    if document.export is None:
        note["pos"] = document.place_of_supply
    note["itms"] = _items(rows, True, units, igst_only=True)
    return note


def _export_entry(document: OutwardHead, rows: _Rows, units: _Units) -> dict[str, Any]:
    assert document.export is not None
    export = document.export
    invoice: dict[str, Any] = {
        "inum": document.number,
        "idt": gst_date(document.doc_date),
        "val": round_paise(document.grand_total),
    }
    # Port code and shipping bill may follow later for exports under LUT (readiness asks).
    if export.port_code:
        invoice["sbpcode"] = export.port_code
    if export.shipping_bill:
        invoice["sbnum"] = export.shipping_bill
    if export.shipping_bill_date is not None:
        invoice["sbdt"] = gst_date(export.shipping_bill_date)
    money = units.money
    invoice["itms"] = [
        {
            "txval": money(sums[0]),
            "rt": units.rate(rate),
            "iamt": money(sums[1]),
            "csamt": money(sums[4]),
        }
        for rate, sums in sorted(rows.items())
    ]
    return invoice


def _ctin(document: OutwardHead) -> str:
    return document.gstin.replace(" ", "").replace("-", "").upper()


def _invoice_type(document: OutwardHead) -> str:
    if document.to_sez:
        return "SEWP" if document.igst > 0 else "SEWOP"
    return "R"


def _note_type(document: OutwardHead) -> str:
    return "C" if document.kind is DocKind.CREDIT_NOTE else "D"


def _cdnur_type(document: OutwardHead) -> str:
    if document.export is None:
        return "B2CL"
    return "EXPWP" if document.export.with_payment else "EXPWOP"


_P = TypeVar("_P", bound=Placeable)


def _in_filing_order(documents: Iterable[_P]) -> list[tuple[_P, str, int | None]]:
    """Date, then series and serial: INV/9 before INV/10. Every table keeps this order. Each
    comes with its series and serial (Table 13 counts by them)."""
    keyed = []
    for document in documents:
        prefix, serial = series_of(document.number)
        order = (document.doc_date, prefix, -1 if serial is None else serial, document.number)
        keyed.append((order, document, prefix, serial))
    keyed.sort(key=itemgetter(0))
    return [(document, prefix, serial) for _, document, prefix, serial in keyed]


def _compile(
    gstin: str, period: ReturnPeriod, documents: Sequence[PostedDocument], *, summarise: bool
) -> _Return:
    filer = parse_gstin(gstin).value
    by_id = {document.id: document for document in documents}
    result = _Return(filer, period, _DOCUMENT_UNITS, summarise=summarise)
    for document, prefix, serial in _in_filing_order(
        d for d in documents if is_reported(d, period)
    ):
        result.add(document, by_id, prefix, serial)
    return result


def gstr1(gstin: str, period: ReturnPeriod, documents: Sequence[PostedDocument]) -> dict[str, Any]:
    """The GSTR-1 of ``gstin`` for ``period`` in the offline tool's JSON shape (Decimal amounts;
    write it with ``gstr1_json``). Raises InvalidGstin or UnplaceableDocument."""
    return _compile(gstin, period, documents, summarise=False).json()


def gstr1_summary(
    gstin: str, period: ReturnPeriod, documents: Sequence[PostedDocument]
) -> Gstr1Summary:
    """Per table: documents, taxable value and tax (signed), and the documents behind it."""
    return _compile(gstin, period, documents, summarise=True).summary()


# --- from stored sums --------------------------------------------------------------------------

# One document's lines grouped by taxability, GST rate and "at 0% with no tax", summed as
# stored: (document id, taxability, rate in hundredths of a percent, untaxed at 0%,
# taxable, igst, cgst, sgst, cess in paise).
RateGroup = tuple[int, str, int, bool, int, int, int, int, int]
# Lines of the period's reported, uncancelled documents grouped by (registered buyer, kind,
# HSN, UQC, rate): (b2b, kind, hsn, uqc, rate in hundredths, qty in thousandths, taxable,
# igst, cgst, sgst, cess in paise).
HsnGroup = tuple[bool, str, str, str, int, int, int, int, int, int, int]

_TAXABILITY = {t.value: t for t in Taxability}
_KINDS = {k.value: k for k in DocKind}


def _compile_stored(
    gstin: str,
    period: ReturnPeriod,
    heads: Sequence[OutwardHead],
    originals: Mapping[DocumentId, OutwardHead],
    rate_groups: Iterable[RateGroup],
    hsn_groups: Iterable[HsnGroup],
    *,
    summarise: bool,
) -> _Return:
    filer = parse_gstin(gstin).value
    by_id: dict[DocumentId, OutwardHead] = {**originals, **{head.id: head for head in heads}}
    # Each document's rows by rate, and its untaxed sums by Table 8 column, as ``add`` makes
    # them from the lines.
    taxed: dict[int, dict[Figure, Sequence[Figure]]] = defaultdict(dict)
    untaxed: dict[int, list[Figure]] = {}
    taxable_kind = Taxability.TAXABLE.value
    for group in rate_groups:
        document_id, taxability, rate = group[0], group[1], group[2]
        if rate and taxability == taxable_kind:
            # Most groups: taxed at a rate, one group per document and rate.
            taxed[document_id][rate] = group[4:]
            continue
        head = by_id[DocumentId(document_id)]
        zero_rated = head.export is not None or head.to_sez
        column = _nil_column(_TAXABILITY[taxability], bool(group[3]), zero_rated)
        if column is None:
            rows = taxed[document_id]
            found = rows.get(rate)
            # a zero-rated supply's 0% lines come in two groups, with and without tax
            rows[rate] = group[4:] if found is None else [*map(add, found, group[4:])]
        else:
            untaxed.setdefault(document_id, [0, 0, 0])[_NIL_COLUMNS.index(column)] += group[4]
    result = _Return(filer, period, _stored_units(), summarise=summarise)
    first, last = period.start, period.end  # ``is_reported``, inline for 50,000 heads
    reported = (h for h in heads if h.kind in REPORTED_KINDS and first <= h.doc_date <= last)
    for head, prefix, serial in _in_filing_order(reported):
        result.issued(head, prefix, serial)
        if not head.cancelled:
            section = section_of(head, by_id)
            result.place(head, section, taxed.get(head.id, {}), untaxed.get(head.id))
    for b2b, kind_value, code, uqc, rate, qty, *sums in hsn_groups:
        kind = _KINDS[kind_value]
        key, counts_qty = _hsn_key(bool(b2b), code, uqc, rate, kind)
        hsn = result.hsn_minus if kind is DocKind.CREDIT_NOTE else result.hsn
        row = hsn.setdefault(key, [0, 0, 0, 0, 0, 0])
        row[0] += qty if counts_qty else 0
        for index, value in enumerate(sums, start=1):
            row[index] += value
    return result


def gstr1_from_stored(
    gstin: str,
    period: ReturnPeriod,
    heads: Sequence[OutwardHead],
    originals: Mapping[DocumentId, OutwardHead],
    rate_groups: Iterable[RateGroup],
    hsn_groups: Iterable[HsnGroup],
) -> dict[str, Any]:
    """``gstr1`` from sums a database grouped: ``heads`` are the period's documents (at least
    the reported ones, cancelled included), ``originals`` the heads the notes name that are
    not among them; ``rate_groups`` and ``hsn_groups`` sum the lines of the reported,
    uncancelled ones. The same dict as ``gstr1`` on those documents (tested)."""
    return _compile_stored(
        gstin, period, heads, originals, rate_groups, hsn_groups, summarise=False
    ).json()


def gstr1_summary_from_stored(
    gstin: str,
    period: ReturnPeriod,
    heads: Sequence[OutwardHead],
    originals: Mapping[DocumentId, OutwardHead],
    rate_groups: Iterable[RateGroup],
    hsn_groups: Iterable[HsnGroup],
) -> Gstr1Summary:
    """``gstr1_summary`` from the same sums as ``gstr1_from_stored``."""
    return _compile_stored(
        gstin, period, heads, originals, rate_groups, hsn_groups, summarise=True
    ).summary()


# --- JSON text ---------------------------------------------------------------------------------


def gstr1_json(data: Mapping[str, Any], *, pretty: bool = False) -> str:
    """The JSON text of a return built by ``gstr1``, amounts as exact decimal numbers."""
    return exact_json(data, pretty=pretty)


def write_gstr1(data: Mapping[str, Any], path: Path) -> None:
    """Write the JSON file whole or not at all."""
    write_whole(path, gstr1_json(data))


# --- schema -----------------------------------------------------------------------------------


@cache
def _schema() -> dict[str, Any]:
    """The schema with its "#/$defs/..." references written out (see ``_inlined``)."""
    path = config.resources_dir() / "gst" / "gstr1.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    inlined: dict[str, Any] = _inlined(schema, schema.get("$defs", {}))
    return inlined


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema())


@cache
def _passes() -> Callable[[Any], bool]:
    """Whether data matches the schema, by the schema compiled to Python (fastjsonschema):
    a month's return in about a tenth of the time jsonschema takes to walk it. It stops at
    the first fault, so ``validate_gstr1`` asks jsonschema for all of them only then. The
    schema uses only keywords that draft 7 and 2020-12 read alike once its references are
    written out (``$ref`` beside other keywords becomes ``allOf``); a test holds the two
    verdicts equal on valid and broken returns."""
    schema = {key: value for key, value in _schema().items() if key != "$schema"}
    check = fastjsonschema.compile(schema, use_default=False)

    def passes(data: Any) -> bool:
        try:
            check(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return passes


def _inlined(node: Any, defs: Mapping[str, Any], expanding: tuple[str, ...] = ()) -> Any:
    """``node`` with each "#/$defs/..." reference replaced by a copy of what it names: the
    same checks and errors, without a reference resolved per field (a month's return has
    a million fields; this halves its validation). A cycle keeps its reference."""
    if isinstance(node, list):
        return [_inlined(value, defs, expanding) for value in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        name = value.removeprefix("#/$defs/") if key == "$ref" and isinstance(value, str) else ""
        if name in defs and name not in expanding and "allOf" not in node:
            target = _inlined(defs[name], defs, (*expanding, name))
            if len(node) == 1:
                return target
            out["allOf"] = [target]  # "$ref" applies beside the node's other keywords
        else:
            out[key] = _inlined(value, defs, expanding)
    return out


def _where(error: SchemaError) -> str:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path)
    return where.lstrip(".") or "the return"


def _explain(error: SchemaError) -> str:
    where = _where(error)
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        return f"{where}: {error.message.replace('is a required property', 'is missing')}"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}; the portal does not know that key"
    if error.validator in ("pattern", "enum", "const", "maxLength", "minLength") and described:
        return f"{where}: {error.instance!r} is not {described}"
    if error.validator == "type":
        return f"{where}: {error.instance!r} should be {error.validator_value}" + (
            f" ({described})" if described else ""
        )
    return f"{where}: {error.message}"


def validate_gstr1(data: Mapping[str, Any]) -> list[str]:
    """What keeps ``data`` from matching resources/gst/gstr1.schema.json, one line per fault;
    empty when it matches. Works on the dict from ``gstr1`` and on parsed JSON alike."""
    if _passes()(data):
        return []
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])
    return [_explain(error) for error in errors]
