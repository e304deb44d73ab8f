"""GSTR-3B tables 3.1, 3.2, 4 and 5 from posted documents: the portal's JSON and a summary.

Pure: it reads ``PostedDocument`` values and never recomputes tax, so the return carries the
figures the books hold (gst.md §5). Documents dated inside the period count; cancelled ones,
quotations, orders and delivery challans do not. Amounts are positive on the documents and
``sign`` says which way they count: a credit note reduces outward supplies, a purchase return
reduces input tax credit.

Where each figure goes:
- Outward lines: non-GST to 3.1(e); nil-rated, exempt, and taxable lines at 0% without tax to
  3.1(c) (as GSTR-1 Table 8 reports them); exports and SEZ supplies to 3.1(b); the rest to
  3.1(a) with the document's tax. A supply on which the recipient pays tax under reverse charge
  carries no tax for us and is reported with 3.1(c). Inter-state supplies in 3.1(a) to
  unregistered persons and UIN holders are repeated in 3.2 by place of supply.
- Inward: tax on reverse-charge purchases is a liability in 3.1(d) and credit in 4A(3) (4A(2)
  for an import of services); other tax is credit in 4A(5) (4A(1) for imported goods). Blocked
  credit (s.17(5)) stays in 4A, as GSTR-2B shows it there, and is reversed in 4B(1), as
  Circular 170/02/2022-GST asks. Purchases from composition dealers and nil-rated or exempt
  lines go to table 5 "GST", non-GST lines to "NONGST", by inter- and intra-state.

Amounts stay Decimal until ``gstr3b_json`` writes them as JSON numbers with two places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.billing.model import DocKind, DocumentId, PostedDocument, PostedLine
from app.errors import ValidationError
from app.gst import GstinKind, SellerScheme, Taxability, check_gstin, parse_gstin
from app.gst.periods import ReturnPeriod
from app.gst.states import OTHER_COUNTRIES
from app.money import ZERO, round_paise
from app.reports.exact_json import exact_json
from app.reports.table import Cell, Table

OUTWARD_KINDS = frozenset(
    {DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY, DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE}
)
INWARD_KINDS = frozenset({DocKind.PURCHASE_BILL, DocKind.PURCHASE_RETURN})


class Cell3b(StrEnum):
    """One box of the form (a row of a table), named as the form numbers it."""

    OUTWARD_TAXABLE = "3.1(a)"
    ZERO_RATED = "3.1(b)"
    NIL_EXEMPT = "3.1(c)"
    INWARD_RCM = "3.1(d)"
    NON_GST = "3.1(e)"
    UNREGISTERED = "3.2 unregistered"
    COMPOSITION = "3.2 composition"
    UIN = "3.2 UIN"
    IMPORT_GOODS = "4A(1)"
    IMPORT_SERVICES = "4A(2)"
    ITC_RCM = "4A(3)"
    ITC_ISD = "4A(4)"
    ITC_OTHER = "4A(5)"
    REVERSED_RULES = "4B(1)"
    REVERSED_OTHER = "4B(2)"
    NET_ITC = "4C"
    RECLAIMED = "4D(1)"
    INELIGIBLE = "4D(2)"
    EXEMPT_INTER = "5 GST inter"
    EXEMPT_INTRA = "5 GST intra"
    NON_GST_INTER = "5 NONGST inter"
    NON_GST_INTRA = "5 NONGST intra"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Cell3b.OUTWARD_TAXABLE: "Outward taxable supplies (other than zero rated, nil rated, exempted)",
    Cell3b.ZERO_RATED: "Outward taxable supplies (zero rated)",
    Cell3b.NIL_EXEMPT: "Other outward supplies (nil rated, exempted)",
    Cell3b.INWARD_RCM: "Inward supplies (liable to reverse charge)",
    Cell3b.NON_GST: "Non-GST outward supplies",
    Cell3b.UNREGISTERED: "Inter-state supplies to unregistered persons",
    Cell3b.COMPOSITION: "Inter-state supplies to composition taxable persons",
    Cell3b.UIN: "Inter-state supplies to UIN holders",
    Cell3b.IMPORT_GOODS: "ITC available: import of goods",
    Cell3b.IMPORT_SERVICES: "ITC available: import of services",
    Cell3b.ITC_RCM: "ITC available: inward supplies liable to reverse charge",
    Cell3b.ITC_ISD: "ITC available: inward supplies from ISD",
    Cell3b.ITC_OTHER: "ITC available: all other ITC",
    Cell3b.REVERSED_RULES: "ITC reversed: rules 38, 42 and 43, section 17(5)",
    Cell3b.REVERSED_OTHER: "ITC reversed: others",
    Cell3b.NET_ITC: "Net ITC available (A - B)",
    Cell3b.RECLAIMED: "ITC reclaimed, reversed under 4(B)(2) earlier",
    Cell3b.INELIGIBLE: "Ineligible ITC under section 16(4), PoS rules",
    Cell3b.EXEMPT_INTER: "Inward from composition dealers, exempt, nil rated: inter-state",
    Cell3b.EXEMPT_INTRA: "Inward from composition dealers, exempt, nil rated: intra-state",
    Cell3b.NON_GST_INTER: "Inward non-GST supplies: inter-state",
    Cell3b.NON_GST_INTRA: "Inward non-GST supplies: intra-state",
}

_ITC_AVAILABLE = (
    (Cell3b.IMPORT_GOODS, "IMPG"),
    (Cell3b.IMPORT_SERVICES, "IMPS"),
    (Cell3b.ITC_RCM, "ISRC"),
    (Cell3b.ITC_ISD, "ISD"),
    (Cell3b.ITC_OTHER, "OTH"),
)
_ITC_REVERSED = ((Cell3b.REVERSED_RULES, "RUL"), (Cell3b.REVERSED_OTHER, "OTH"))
_ITC_INELIGIBLE = ((Cell3b.RECLAIMED, "RUL"), (Cell3b.INELIGIBLE, "OTH"))
_INTER_SUP = (
    (Cell3b.UNREGISTERED, "unreg_details"),
    (Cell3b.COMPOSITION, "comp_details"),
    (Cell3b.UIN, "uin_details"),
)
_TAX_HEADS = ("igst", "cgst", "sgst", "cess")


@dataclass
class _Box:
    """Running signed sums of one box and the documents that moved it."""

    taxable: Decimal = ZERO
    igst: Decimal = ZERO
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    cess: Decimal = ZERO
    # The documents that moved it, in the order they came; a dict for an ordered set (a
    # busy month puts 50,000 documents in one box; a list's ``in`` made that quadratic).
    ids: dict[DocumentId, None] = field(default_factory=dict)

    def add(
        self,
        document: PostedDocument | None,
        taxable: Decimal = ZERO,
        igst: Decimal = ZERO,
        cgst: Decimal = ZERO,
        sgst: Decimal = ZERO,
        cess: Decimal = ZERO,
    ) -> None:
        self.taxable += taxable
        self.igst += igst
        self.cgst += cgst
        self.sgst += sgst
        self.cess += cess
        moved = any((taxable, igst, cgst, sgst, cess))
        if document is not None and moved:
            self.ids[document.id] = None

    def add_tax_of(self, document: PostedDocument, sign: int) -> None:
        self.add(
            document,
            igst=sign * document.igst,
            cgst=sign * document.cgst,
            sgst=sign * document.sgst,
            cess=sign * document.cess,
        )


@dataclass(frozen=True)
class Gstr3bRow:
    """One row of the on-screen summary; amounts signed, ``taxable`` None where the form has
    no value column (table 4)."""

    table: str
    description: str
    taxable: Decimal | None
    igst: Decimal
    cgst: Decimal
    sgst: Decimal
    cess: Decimal
    document_ids: tuple[DocumentId, ...]  # for drill-down, in date and number order


@dataclass(frozen=True)
class Gstr3bSummary:
    gstin: str
    period: ReturnPeriod
    rows: tuple[Gstr3bRow, ...]

    def row(self, table: str) -> Gstr3bRow:
        return next(row for row in self.rows if row.table == table)

    def table(self) -> Table:
        body: list[tuple[Cell, ...]] = [
            (row.table, row.description, row.taxable, row.igst, row.cgst, row.sgst, row.cess)
            for row in self.rows
        ]
        return Table(
            f"GSTR-3B {self.gstin} {self.period.label}",
            ("Table", "Nature of supplies", "Taxable", "IGST", "CGST", "SGST/UTGST", "Cess"),
            tuple(body),
        )


def _is_nil(document: PostedDocument, line: PostedLine) -> bool:
    """Nil-rated or exempt, or a taxable line at 0% with no tax outside a zero-rated supply
    (the same reading as GSTR-1 Table 8)."""
    if line.taxability in (Taxability.NIL_RATED, Taxability.EXEMPT):
        return True
    zero_rated = document.export is not None or document.to_sez
    return not zero_rated and line.gst_rate == 0 and line.tax == 0


def _all_services(document: PostedDocument) -> bool:
    return all(line.is_service for line in document.lines)


class _Return:
    """One pass over the documents, filling every box of the form."""

    def __init__(self) -> None:
        self.boxes: dict[Cell3b, _Box] = {cell: _Box() for cell in Cell3b}
        self.inter_sup: dict[tuple[Cell3b, str], _Box] = {}

    def add(self, document: PostedDocument) -> None:
        if document.kind in OUTWARD_KINDS:
            self._add_outward(document)
        elif document.kind in INWARD_KINDS:
            self._add_inward(document)

    def _add_outward(self, document: PostedDocument) -> None:
        if document.seller_scheme is SellerScheme.COMPOSITION:
            raise ValidationError(
                f"{document.kind.label} {document.number} was issued under the composition "
                "scheme; a composition dealer files CMP-08 and GSTR-4, not GSTR-3B. Check the "
                "company's GST registration type."
            )
        sign = document.sign
        zero_rated = document.export is not None or document.to_sez
        taxed = ZERO
        for line in document.lines:
            value = sign * line.taxable
            if line.taxability is Taxability.NON_GST:
                self.boxes[Cell3b.NON_GST].add(document, value)
            elif _is_nil(document, line) or (document.reverse_charge and not zero_rated):
                # The recipient pays the tax on a reverse-charge supply; we owe none on it.
                self.boxes[Cell3b.NIL_EXEMPT].add(document, value)
            else:
                taxed += value
        if zero_rated:
            box = self.boxes[Cell3b.ZERO_RATED]
            box.add(document, taxed, igst=sign * document.igst, cess=sign * document.cess)
            return
        if document.reverse_charge:
            return
        self.boxes[Cell3b.OUTWARD_TAXABLE].add(document, taxed)
        self.boxes[Cell3b.OUTWARD_TAXABLE].add_tax_of(document, sign)
        category = _inter_sup_category(document)
        if category is not None and (taxed or document.igst):
            key = (category, document.place_of_supply)
            self.inter_sup.setdefault(key, _Box()).add(document, taxed, igst=sign * document.igst)

    def _add_inward(self, document: PostedDocument) -> None:
        sign = document.sign
        composition = document.seller_scheme is SellerScheme.COMPOSITION
        imported = document.seller_state == OTHER_COUNTRIES
        taxed = ZERO
        for line in document.lines:
            value = sign * line.taxable
            if line.taxability is Taxability.NON_GST:
                cell = Cell3b.NON_GST_INTER if document.inter_state else Cell3b.NON_GST_INTRA
                self.boxes[cell].add(document, value)
            elif composition or _is_nil(document, line):
                cell = Cell3b.EXEMPT_INTER if document.inter_state else Cell3b.EXEMPT_INTRA
                self.boxes[cell].add(document, value)
            else:
                taxed += value
        if document.total_tax == 0:
            return
        services = _all_services(document)
        if document.reverse_charge:
            # IGST Act s.5(3): an import of services is taxed on the recipient, like RCM.
            self.boxes[Cell3b.INWARD_RCM].add(document, taxed)
            self.boxes[Cell3b.INWARD_RCM].add_tax_of(document, sign)
            credit = Cell3b.IMPORT_SERVICES if imported and services else Cell3b.ITC_RCM
        elif imported:
            # IGST paid on the bill of entry (or, for services, under RCM as above).
            credit = Cell3b.IMPORT_SERVICES if services else Cell3b.IMPORT_GOODS
        else:
            credit = Cell3b.ITC_OTHER
        self.boxes[credit].add_tax_of(document, sign)
        if not document.itc_eligible:
            self.boxes[Cell3b.REVERSED_RULES].add_tax_of(document, sign)

    def settle(self) -> None:
        """Keep table 4 free of negative figures without changing the net credit.

        A purchase return larger than the month's purchases would leave 4A negative; the
        portal takes only positive credit there, so the excess is shown as a reversal of
        credit taken earlier (4B(2)). Returns of blocked goods larger than the month's blocked
        purchases are netted back into 4A(5), from where they were also taken.
        """
        rules, other_itc = self.boxes[Cell3b.REVERSED_RULES], self.boxes[Cell3b.ITC_OTHER]
        for head in _TAX_HEADS:
            short = getattr(rules, head)
            if short < 0:
                setattr(rules, head, ZERO)
                setattr(other_itc, head, getattr(other_itc, head) - short)
        reversed_other = self.boxes[Cell3b.REVERSED_OTHER]
        for cell, _ in _ITC_AVAILABLE:
            box = self.boxes[cell]
            for head in _TAX_HEADS:
                short = getattr(box, head)
                if short < 0:
                    setattr(box, head, ZERO)
                    setattr(reversed_other, head, getattr(reversed_other, head) - short)
                    reversed_other.ids.update(box.ids)
        net = self.boxes[Cell3b.NET_ITC]
        for head in _TAX_HEADS:
            available = sum((getattr(self.boxes[c], head) for c, _ in _ITC_AVAILABLE), ZERO)
            reversed_ = sum((getattr(self.boxes[c], head) for c, _ in _ITC_REVERSED), ZERO)
            setattr(net, head, available - reversed_)
        for cell, _ in (*_ITC_AVAILABLE, *_ITC_REVERSED):
            net.ids.update(self.boxes[cell].ids)

    # --- output ---------------------------------------------------------------------------

    def json(self, gstin: str, period: ReturnPeriod) -> dict[str, Any]:
        box = self.boxes
        return {
            "gstin": gstin,
            "ret_period": period.fp,
            "sup_details": {
                "osup_det": _heads(box[Cell3b.OUTWARD_TAXABLE], value=True),
                "osup_zero": {
                    "txval": _amount(box[Cell3b.ZERO_RATED].taxable),
                    "iamt": _amount(box[Cell3b.ZERO_RATED].igst),
                    "csamt": _amount(box[Cell3b.ZERO_RATED].cess),
                },
                "osup_nil_exmp": {"txval": _amount(box[Cell3b.NIL_EXEMPT].taxable)},
                "isup_rev": _heads(box[Cell3b.INWARD_RCM], value=True),
                "osup_nongst": {"txval": _amount(box[Cell3b.NON_GST].taxable)},
            },
            "inter_sup": {key: self._inter_sup_rows(cell) for cell, key in _INTER_SUP},
            "eco_dtls": {  # Table 3.1.1: supplies through e-commerce operators; none here
                "eco_sup": {h: ZERO for h in ("txval", "iamt", "camt", "samt", "csamt")},
                "eco_reg_sup": {"txval": ZERO},
            },
            "itc_elg": {
                "itc_avl": [{"ty": ty, **_heads(box[c])} for c, ty in _ITC_AVAILABLE],
                "itc_rev": [{"ty": ty, **_heads(box[c])} for c, ty in _ITC_REVERSED],
                "itc_net": _heads(box[Cell3b.NET_ITC]),
                "itc_inelg": [{"ty": ty, **_heads(box[c])} for c, ty in _ITC_INELIGIBLE],
            },
            "inward_sup": {
                "isup_details": [
                    {
                        "ty": "GST",
                        "inter": _amount(box[Cell3b.EXEMPT_INTER].taxable),
                        "intra": _amount(box[Cell3b.EXEMPT_INTRA].taxable),
                    },
                    {
                        "ty": "NONGST",
                        "inter": _amount(box[Cell3b.NON_GST_INTER].taxable),
                        "intra": _amount(box[Cell3b.NON_GST_INTRA].taxable),
                    },
                ]
            },
        }

    def _inter_sup_rows(self, cell: Cell3b) -> list[dict[str, Any]]:
        rows = sorted((pos, box) for (c, pos), box in self.inter_sup.items() if c is cell)
        return [
            {"pos": pos, "txval": _amount(box.taxable), "iamt": _amount(box.igst)}
            for pos, box in rows
        ]

    def rows(self, order: Mapping[DocumentId, int]) -> tuple[Gstr3bRow, ...]:
        def row(table: str, description: str, box: _Box, *, value: bool) -> Gstr3bRow:
            return Gstr3bRow(
                table=table,
                description=description,
                taxable=_amount(box.taxable) if value else None,
                igst=_amount(box.igst),
                cgst=_amount(box.cgst),
                sgst=_amount(box.sgst),
                cess=_amount(box.cess),
                document_ids=tuple(sorted(box.ids, key=order.__getitem__)),
            )

        result: list[Gstr3bRow] = []
        for cell in Cell3b:
            if cell in (Cell3b.UNREGISTERED, Cell3b.COMPOSITION, Cell3b.UIN):
                for (c, pos), box in sorted(self.inter_sup.items()):
                    if c is cell:
                        result.append(row(f"3.2 {pos}", cell.description, box, value=True))
                continue
            value = not cell.value.startswith("4")
            result.append(row(cell.value, cell.description, self.boxes[cell], value=value))
        return tuple(result)


def _inter_sup_category(document: PostedDocument) -> Cell3b | None:
    """The 3.2 list for an inter-state supply, or None when 3.2 does not ask for it.

    The books do not record whether a registered buyer is a composition dealer, so the
    composition list stays empty.
    """
    if not document.inter_state:
        return None
    gstin = document.counterparty.gstin
    if not gstin:
        return Cell3b.UNREGISTERED
    if check_gstin(gstin).kind is GstinKind.UIN:
        return Cell3b.UIN
    return None


def _amount(value: Decimal) -> Decimal:
    rounded = round_paise(value)
    return rounded if rounded else rounded.copy_abs()  # never -0.00


def _heads(box: _Box, *, value: bool = False) -> dict[str, Decimal]:
    heads = {"txval": _amount(box.taxable)} if value else {}
    heads |= {
        "iamt": _amount(box.igst),
        "camt": _amount(box.cgst),
        "samt": _amount(box.sgst),
        "csamt": _amount(box.cess),
    }
    return heads


def is_reported(document: PostedDocument, period: ReturnPeriod) -> bool:
    """A document of the period that GSTR-3B counts."""
    return (
        document.kind in OUTWARD_KINDS | INWARD_KINDS
        and not document.cancelled
        and document.doc_date in period
    )


def _compile(period: ReturnPeriod, documents: Iterable[PostedDocument]) -> _Return:
    result = _Return()
    for document in documents:
        if is_reported(document, period):
            result.add(document)
    result.settle()
    return result


def _filer(gstin: str) -> str:
    if not gstin or not gstin.strip():
        raise ValidationError("Set the company's GSTIN before preparing GSTR-3B.")
    return parse_gstin(gstin).value


def gstr3b(gstin: str, period: ReturnPeriod, documents: Sequence[PostedDocument]) -> dict[str, Any]:
    """The GSTR-3B of ``gstin`` for ``period`` in the portal's JSON shape (Decimal amounts;
    write it with ``gstr3b_json``). Raises InvalidGstin or ValidationError."""
    filer = _filer(gstin)
    return _compile(period, documents).json(filer, period)


def gstr3b_summary(
    gstin: str, period: ReturnPeriod, documents: Sequence[PostedDocument]
) -> Gstr3bSummary:
    """Every box of tables 3.1, 3.2, 4 and 5 with the documents behind it, in form order."""
    filer = _filer(gstin)
    ordered = sorted(documents, key=lambda d: (d.doc_date, d.number, d.id))
    order = {document.id: index for index, document in enumerate(ordered)}
    return Gstr3bSummary(filer, period, _compile(period, ordered).rows(order))


def gstr3b_json(data: Mapping[str, Any], *, pretty: bool = False) -> str:
    """The JSON text of a return built by ``gstr3b``, amounts as exact decimal numbers."""
    return exact_json(data, pretty=pretty)
