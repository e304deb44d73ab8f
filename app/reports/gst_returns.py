"""The company's documents for a return period, read once for GSTR-1, GSTR-3B and the checks.

A busy month is 50,000 invoices and 250,000 lines, and GSTR-1 must be written in under 3 s
(issue 3), so the period is read here with one query per table, the stored integers taken
as they are and turned into Decimals once per distinct value, instead of through the
generic one-document reader (``period_books``: the screens that show documents). The GSTR-1
file itself needs no line as a Python object: ``period_gstr1`` lets SQLite sum the lines by
document and rate and by HSN, in the integers it stores, and ``gstr1.gstr1_from_stored``
places and writes them. ``gstr1_books`` adds what the summary and the readiness check need
(the same heads, the preceding year's turnover, and only the lines that may be at fault):
the CLI and the GST page export through it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    and_,
    case,
    func,
    or_,
    select,
    type_coerce,
)

from app.billing import queries
from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocStatus,
    DocumentId,
    Export,
    Irn,
    PartyId,
    PostedDocument,
    PostedLine,
)
from app.billing.tables import document_lines, documents
from app.errors import ValidationError
from app.gst import SellerScheme, Taxability
from app.gst.periods import ReturnPeriod
from app.inventory.model import UQC_CODES
from app.ledger.model import financial_year
from app.money import from_paise
from app.reports.gst_readiness import Problem, gstr1_problems, head_problems, hsn_digits_required
from app.reports.gstr1 import (
    REPORTED_KINDS,
    Gstr1Summary,
    HsnGroup,
    OutwardHead,
    RateGroup,
    gstr1,
    gstr1_from_stored,
    gstr1_summary,
    gstr1_summary_from_stored,
)
from app.reports.gstr3b import Gstr3bSummary, gstr3b, gstr3b_summary
from app.storage.company import CompanyProfile
from app.storage.plain_rows import cycle_collection_paused, plain_rows

_OUTWARD = (DocKind.SALES_INVOICE, DocKind.BILL_OF_SUPPLY, DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE)


@dataclass(frozen=True)
class PeriodBooks:
    """Everything the GST screens and exports need for one period."""

    gstin: str
    period: ReturnPeriod
    documents: tuple[PostedDocument, ...]  # the period's, plus the originals its notes name
    aggregate_turnover: Decimal  # preceding financial year, for the HSN digits rule

    def gstr1(self) -> dict[str, object]:
        return gstr1(self.gstin, self.period, self.documents)

    def gstr1_summary(self) -> Gstr1Summary:
        return gstr1_summary(self.gstin, self.period, self.documents)

    def gstr3b(self) -> dict[str, object]:
        return gstr3b(self.gstin, self.period, self.documents)

    def gstr3b_summary(self) -> Gstr3bSummary:
        return gstr3b_summary(self.gstin, self.period, self.documents)

    def problems(self) -> list[Problem]:
        # The originals (of notes, from other periods) come last and only place the notes.
        own = [d for d in self.documents if d.doc_date in self.period]
        others = [d for d in self.documents if d.doc_date not in self.period]
        return gstr1_problems(own, self.period, self.gstin, self.aggregate_turnover, others)


def period_books(conn: Connection, profile: CompanyProfile, period: ReturnPeriod) -> PeriodBooks:
    if not profile.gstin:
        raise ValidationError(
            "The company has no GSTIN, so it files no GST returns. Add the GSTIN in Settings."
        )
    with cycle_collection_paused():
        found = documents_between(conn, period.start, period.end)
    have = {d.id for d in found}
    # A note's original may lie in an earlier period; GSTR-1 looks at it to place the note.
    wanted = {d.original_id for d in found if d.original_id and d.original_id not in have}
    originals = [queries.document(conn, document_id) for document_id in sorted(wanted)]
    return PeriodBooks(
        profile.gstin,
        period,
        tuple(found + originals),
        aggregate_turnover(conn, period.start),
    )


def _filer_gstin(profile: CompanyProfile) -> str:
    if not profile.gstin:
        raise ValidationError(
            "The company has no GSTIN, so it files no GST returns. Add the GSTIN in Settings."
        )
    return profile.gstin


def period_gstr1(conn: Connection, profile: CompanyProfile, period: ReturnPeriod) -> dict[str, Any]:
    """``period_books(...).gstr1()`` without reading the documents whole: the same return
    (tested byte for byte), from the period's document heads and SQLite's sums of the lines."""
    gstin = _filer_gstin(profile)
    with cycle_collection_paused():
        heads, originals = _period_heads(conn, period)
        rate_groups, hsn_groups = _line_groups(conn, period, heads)
        return gstr1_from_stored(gstin, period, heads, originals, rate_groups, hsn_groups)


@dataclass(frozen=True)
class Gstr1Books:
    """What GSTR-1 and its readiness check need of a period, without its documents read whole
    (``period_books`` reads them, for the screens that show documents): the same return,
    summary and problems as ``PeriodBooks`` (tested)."""

    gstin: str
    period: ReturnPeriod
    heads: tuple[OutwardHead, ...]  # the period's reported documents, by date and id
    originals: Mapping[DocumentId, OutwardHead]  # of notes, from other periods
    rate_groups: Sequence[RateGroup]
    hsn_groups: Sequence[HsnGroup]
    aggregate_turnover: Decimal  # preceding financial year, for the HSN digits rule
    # The lines the readiness check could fault (an SQL filter wider than the check), by
    # document; a month without faults has none.
    suspect_lines: Mapping[DocumentId, tuple[PostedLine, ...]]

    def gstr1(self) -> dict[str, Any]:
        with cycle_collection_paused():
            return gstr1_from_stored(*self._stored())

    def gstr1_summary(self) -> Gstr1Summary:
        with cycle_collection_paused():
            return gstr1_summary_from_stored(*self._stored())

    def _stored(
        self,
    ) -> tuple[
        str,
        ReturnPeriod,
        Sequence[OutwardHead],
        Mapping[DocumentId, OutwardHead],
        Sequence[RateGroup],
        Sequence[HsnGroup],
    ]:
        return (
            self.gstin,
            self.period,
            self.heads,
            self.originals,
            self.rate_groups,
            self.hsn_groups,
        )

    def problems(self) -> list[Problem]:
        # Every reported, uncancelled document of the period with a line has a rate group.
        with_lines = {DocumentId(group[0]) for group in self.rate_groups}
        return head_problems(
            self.heads,
            self.suspect_lines,
            with_lines,
            self.period,
            self.gstin,
            self.aggregate_turnover,
            self.originals,
        )


def gstr1_books(conn: Connection, profile: CompanyProfile, period: ReturnPeriod) -> Gstr1Books:
    """The period read for GSTR-1, its summary and its readiness check, in ``conn``'s
    transaction; raises ValidationError for a company without GSTIN."""
    gstin = _filer_gstin(profile)
    turnover = aggregate_turnover(conn, period.start)
    with cycle_collection_paused():
        heads, originals = _period_heads(conn, period)
        rate_groups, hsn_groups = _line_groups(conn, period, heads)
        return Gstr1Books(
            gstin,
            period,
            tuple(heads),
            originals,
            rate_groups,
            hsn_groups,
            turnover,
            _suspect_lines(conn, period, hsn_digits_required(turnover)),
        )


def _period_heads(
    conn: Connection, period: ReturnPeriod
) -> tuple[list[OutwardHead], dict[DocumentId, OutwardHead]]:
    """The heads of the period's reported documents (by date and id), and of the originals
    their notes name that lie outside it, by id."""
    d = documents.c
    heads = _outward_heads(
        conn, and_(d.doc_date.between(period.start, period.end), d.kind.in_(_REPORTED_VALUES))
    )
    have = {head.id for head in heads}
    # A note's original may lie in an earlier period; placing the note looks at it.
    wanted = sorted({h.original_id for h in heads if h.original_id and h.original_id not in have})
    originals: dict[DocumentId, OutwardHead] = {}
    for first in range(0, len(wanted), _IDS_PER_QUERY):
        chunk = wanted[first : first + _IDS_PER_QUERY]
        originals.update((head.id, head) for head in _outward_heads(conn, d.id.in_(chunk)))
    return heads, originals


_REPORTED_VALUES = sorted(kind.value for kind in REPORTED_KINDS)
_IDS_PER_QUERY = 500


def _outward_heads(conn: Connection, where: Any) -> list[OutwardHead]:
    """What GSTR-1 reads of the documents ``where`` selects, besides their lines."""
    d = documents.c
    query = (
        select(
            d.id,
            d.kind,
            d.number,
            d.doc_date,
            d.status,
            d.seller_scheme,
            d.cp_gstin,
            d.place_of_supply,
            d.reverse_charge,
            d.inter_state,
            d.to_sez,
            d.igst,
            d.grand_total,
            d.export_with_payment,
            d.port_code,
            d.shipping_bill,
            d.shipping_bill_date,
            d.original_id,
            d.original_date,
            d.cgst,
            d.sgst,
            d.original_number,
        )
        .where(where)
        .order_by(d.doc_date, d.id)
    )
    kinds = {k.value: k for k in DocKind}
    schemes = {s.value: s for s in SellerScheme}
    cancelled = DocStatus.CANCELLED.value
    money = _converter(d.grand_total, conn)
    day = date.fromisoformat  # how the Date columns are stored in SQLite
    return [
        OutwardHead(
            DocumentId(doc_id),
            kinds[kind],
            number,
            day(doc_date),
            status == cancelled,
            schemes[scheme],
            gstin or "",
            place_of_supply,
            bool(reverse_charge),
            bool(inter_state),
            bool(to_sez),
            money(igst),
            money(grand_total),
            (
                Export(
                    bool(export_with_payment),
                    port_code,
                    shipping_bill,
                    day(shipping_bill_date) if shipping_bill_date is not None else None,
                )
                if export_with_payment is not None
                else None
            ),
            DocumentId(original_id) if original_id else None,
            day(original_date) if original_date is not None else None,
            money(cgst),
            money(sgst),
            original_number,
        )
        for (
            doc_id, kind, number, doc_date, status, scheme, gstin, place_of_supply,
            reverse_charge, inter_state, to_sez, igst, grand_total,
            export_with_payment, port_code, shipping_bill, shipping_bill_date,
            original_id, original_date, cgst, sgst, original_number,
        ) in plain_rows(conn, query)
    ]  # fmt: skip


def _reported_lines(period: ReturnPeriod) -> Any:
    """The lines GSTR-1 sums: of outward documents dated in the period, not cancelled."""
    d = documents.c
    return and_(
        d.doc_date.between(period.start, period.end),
        d.kind.in_(_REPORTED_VALUES),
        d.status != DocStatus.CANCELLED.value,
    )


def _line_groups(
    conn: Connection, period: ReturnPeriod, heads: Sequence[OutwardHead]
) -> tuple[list[RateGroup], list[HsnGroup]]:
    """The period's reported lines summed two ways (see ``gstr1.RateGroup`` and ``HsnGroup``):
    by document, taxability and rate, and by registered buyer, kind, HSN, UQC and rate.

    Python adds them up in one pass over the lines as stored, exact integers both ways.
    SQLite's GROUP BY sorted the 250,000 lines of a busy month once per grouping, which cost
    more than reading them (1.85 s of CPU against 1.44 s, measured on the bench month).
    ``heads`` must hold every document the lines belong to; the consumers sort what they
    write, so the groups come in no particular order."""
    c = document_lines.c
    reported = select(documents.c.id).where(_reported_lines(period))
    query = select(
        c.document_id,
        c.taxability,
        _stored(c.gst_rate),
        c.hsn,
        c.uqc,
        *(_stored(column) for column in (c.qty, c.taxable, c.igst, c.cgst, c.sgst, c.cess)),
    ).where(c.document_id.in_(reported))
    buyer_and_kind = {head.id: (head.gstin != "", head.kind.value) for head in heads}
    by_rate: dict[tuple[int, str, int, bool], list[int]] = {}
    by_hsn: dict[tuple[bool, str, str, str, int], list[int]] = {}
    rate_sums, hsn_sums = by_rate.get, by_hsn.get
    for document_id, taxability, rate, hsn, uqc, qty, taxable, igst, cgst, sgst, cess in plain_rows(
        conn, query
    ):
        # at 0% with no tax: nil-rated unless the supply is zero-rated (``_compile_stored``)
        key = (document_id, taxability, rate, rate == 0 and cgst + sgst + igst + cess == 0)
        sums = rate_sums(key)  # the sums added in place, inline: this runs once per line
        if sums is None:
            by_rate[key] = [taxable, igst, cgst, sgst, cess]
        else:
            sums[0] += taxable
            sums[1] += igst
            sums[2] += cgst
            sums[3] += sgst
            sums[4] += cess
        hsn_key = (*buyer_and_kind[document_id], hsn, uqc, rate)
        sums = hsn_sums(hsn_key)
        if sums is None:
            by_hsn[hsn_key] = [qty, taxable, igst, cgst, sgst, cess]
        else:
            sums[0] += qty
            sums[1] += taxable
            sums[2] += igst
            sums[3] += cgst
            sums[4] += sgst
            sums[5] += cess
    return (
        [(d, t, r, z, *sums) for (d, t, r, z), sums in by_rate.items()],  # type: ignore[misc]
        [(b, k, h, u, r, *sums) for (b, k, h, u, r), sums in by_hsn.items()],  # type: ignore[misc]
    )


def _stored(column: Column[Any]) -> Any:
    """The column as stored (integer paise, thousandths, hundredths of a percent)."""
    return type_coerce(column, BigInteger)


class _Converted(dict[int, Any]):
    """The column type's own conversion of a stored integer, done once per distinct value
    (a month repeats rates, quantities and many amounts thousands of times); a lookup that
    hits stays inside the dict, with no Python call."""

    def __init__(self, column: Column[Any], conn: Connection) -> None:
        super().__init__()
        self._process = column.type.process_result_value  # type: ignore[attr-defined]
        self._dialect = conn.dialect

    def __missing__(self, value: int) -> Any:
        found = self[value] = self._process(value, self._dialect)
        return found


def _converter(column: Column[Any], conn: Connection) -> Callable[[int], Any]:
    return _Converted(column, conn).__getitem__


def documents_between(conn: Connection, start: date, end: date) -> list[PostedDocument]:
    """Every document dated within [start, end], cancelled ones included, by date then id;
    the same values ``billing.queries.documents_between`` gives, read for a whole month."""
    d = documents.c
    query = (
        select(
            d.id,
            d.kind,
            d.number,
            d.doc_date,
            d.party_id,
            d.cp_name,
            d.cp_gstin,
            d.cp_state,
            d.cp_address,
            d.cp_pin,
            d.cp_ship_address,
            d.cp_ship_state,
            d.cp_ship_pin,
            d.cp_phone,
            d.place_of_supply,
            d.seller_state,
            d.seller_scheme,
            d.reverse_charge,
            d.inter_state,
            d.state_tax_head,
            _stored(d.taxable),
            _stored(d.cgst),
            _stored(d.sgst),
            _stored(d.igst),
            _stored(d.cess),
            _stored(d.round_off),
            _stored(d.grand_total),
            d.status,
            d.export_with_payment,
            d.port_code,
            d.shipping_bill,
            d.shipping_bill_date,
            d.to_sez,
            d.original_id,
            d.original_number,
            d.original_date,
            d.reason,
            d.itc_eligible,
            d.our_reference,
            d.irn,
            d.ack_no,
            d.ack_date,
            d.signed_qr,
            d.notes,
            d.voucher_id,
        )
        .where(d.doc_date.between(start, end))
        .order_by(d.doc_date, d.id)
    )
    heads = plain_rows(conn, query)  # dates come as ISO text, converted below
    if not heads:
        return []
    lines = _lines_between(conn, start, end)
    money = _converter(d.taxable, conn)
    kinds = {k.value: k for k in DocKind}
    schemes = {s.value: s for s in SellerScheme}
    statuses = {s.value: s for s in DocStatus}
    day = date.fromisoformat

    def maybe_day(text: str | None) -> date | None:
        return day(text) if text is not None else None

    result = []
    for row in heads:
        (
            doc_id, kind, number, doc_date, party_id,
            cp_name, cp_gstin, cp_state, cp_address, cp_pin,
            ship_address, ship_state, ship_pin, cp_phone,
            place_of_supply, seller_state, seller_scheme, reverse_charge,
            inter_state, state_tax_head,
            taxable, cgst, sgst, igst, cess, round_off, grand_total,
            status, export_with_payment, port_code, shipping_bill, shipping_bill_date,
            to_sez, original_id, original_number, original_date, reason,
            itc_eligible, our_reference, irn, ack_no, ack_date, signed_qr,
            notes, voucher_id,
        ) = row  # fmt: skip
        result.append(
            PostedDocument(
                id=DocumentId(doc_id),
                kind=kinds[kind],
                number=number,
                doc_date=day(doc_date),
                party_id=PartyId(party_id) if party_id is not None else None,
                counterparty=Counterparty(
                    name=cp_name,
                    gstin=cp_gstin,
                    state_code=cp_state,
                    billing=Address(cp_address, cp_state, cp_pin),
                    shipping=(
                        Address(ship_address or "", ship_state or "", ship_pin or "")
                        if ship_address is not None
                        else None
                    ),
                    phone=cp_phone,
                ),
                place_of_supply=place_of_supply,
                seller_state=seller_state,
                seller_scheme=schemes[seller_scheme],
                reverse_charge=bool(reverse_charge),
                inter_state=bool(inter_state),
                state_tax_head=state_tax_head,
                lines=tuple(lines.get(doc_id, ())),
                taxable=money(taxable),
                cgst=money(cgst),
                sgst=money(sgst),
                igst=money(igst),
                cess=money(cess),
                round_off=money(round_off),
                grand_total=money(grand_total),
                status=statuses[status],
                export=(
                    Export(
                        bool(export_with_payment),
                        port_code,
                        shipping_bill,
                        maybe_day(shipping_bill_date),
                    )
                    if export_with_payment is not None
                    else None
                ),
                to_sez=bool(to_sez),
                original_id=DocumentId(original_id) if original_id else None,
                original_number=original_number,
                original_date=maybe_day(original_date),
                reason=reason,
                itc_eligible=bool(itc_eligible),
                our_reference=our_reference,
                irn=Irn(irn, ack_no or "", day(ack_date), signed_qr or "") if irn else None,
                notes=notes,
                voucher_id=voucher_id,
            )
        )
    return result


def _lines_between(conn: Connection, start: date, end: date) -> dict[int, list[PostedLine]]:
    """The lines of the documents dated within [start, end], by document, in line order:
    one query over the date index, no list of ids sent back and forth."""
    d = documents.c
    return _posted_lines(
        conn, d.doc_date.between(start, end), (d.doc_date, d.id, document_lines.c.line_no)
    )


def _suspect_lines(
    conn: Connection, period: ReturnPeriod, required_digits: int
) -> dict[DocumentId, tuple[PostedLine, ...]]:
    """The lines of the period's reported, uncancelled documents that ``suspect_line``
    picks, by document in line order."""
    c = document_lines.c
    found = _posted_lines(
        conn,
        and_(_reported_lines(period), suspect_line(required_digits)),
        (c.document_id, c.line_no),
    )
    return {DocumentId(document_id): tuple(lines) for document_id, lines in found.items()}


def suspect_line(required_digits: int) -> Any:
    """A filter on lines wider than the readiness check's faults (``gst_readiness.
    _line_problems``): an HSN shorter than required, longer than 8 or with anything but ASCII
    digits, a unit off the UQC list, tax on a line not taxable. A line it lets pass has no
    problem (tested), so the check reads only these: none in a month without faults."""
    c = document_lines.c
    tax = _stored(c.cgst) + _stored(c.sgst) + _stored(c.igst) + _stored(c.cess)
    return or_(
        func.length(c.hsn) < required_digits,
        func.length(c.hsn) > 8,
        c.hsn.op("GLOB")("*[^0-9]*"),
        c.uqc.not_in(sorted(UQC_CODES)),
        and_(c.taxability != Taxability.TAXABLE.value, tax != 0),
    )


def _posted_lines(
    conn: Connection, where: Any, order: tuple[Any, ...]
) -> dict[int, list[PostedLine]]:
    """The lines ``where`` selects (over lines joined to their documents), by document."""
    c = document_lines.c
    query = (
        select(
            c.document_id,
            c.line_no,
            c.item_id,
            c.description,
            c.hsn,
            c.uqc,
            _stored(c.qty),
            _stored(c.unit_price),
            c.price_includes_tax,
            _stored(c.discount_pct),
            _stored(c.gross),
            _stored(c.discount),
            _stored(c.taxable),
            _stored(c.gst_rate),
            _stored(c.cess_rate),
            _stored(c.cgst),
            _stored(c.sgst),
            _stored(c.igst),
            _stored(c.cess),
            c.taxability,
        )
        .join(documents, documents.c.id == c.document_id)
        .where(where)
        .order_by(*order)
    )
    money = _converter(c.taxable, conn)
    quantity = _converter(c.qty, conn)
    percent = _converter(c.gst_rate, conn)
    taxability = {t.value: t for t in Taxability}
    by_document: dict[int, list[PostedLine]] = defaultdict(list)
    for (
        document_id, line_no, item_id, description, hsn, uqc, qty, unit_price, includes_tax,
        discount_pct, gross, discount, taxable, gst_rate, cess_rate, cgst, sgst, igst, cess, kind,
    ) in plain_rows(conn, query):  # fmt: skip
        by_document[document_id].append(
            PostedLine(
                line_no,
                item_id,
                description,
                hsn,
                uqc,
                quantity(qty),
                money(unit_price),
                bool(includes_tax),
                percent(discount_pct),
                money(gross),
                money(discount),
                money(taxable),
                percent(gst_rate),
                percent(cess_rate),
                money(cgst),
                money(sgst),
                money(igst),
                money(cess),
                taxability[kind],
            )
        )
    return by_document


def aggregate_turnover(conn: Connection, day: date) -> Decimal:
    """Outward taxable value of the financial year before ``day``'s (credit notes netted),
    summed by SQLite in paise: a busy year is 600,000 documents."""
    this_year = financial_year(day)
    last_year = financial_year(this_year.start - timedelta(days=1))
    d = documents.c
    taxable = _stored(d.taxable)
    total = conn.execute(
        select(
            func.sum(case((d.kind == DocKind.CREDIT_NOTE.value, -taxable), else_=taxable))
        ).where(
            d.doc_date.between(last_year.start, last_year.end),
            d.kind.in_([kind.value for kind in _OUTWARD]),
            d.status == DocStatus.POSTED.value,
        )
    ).scalar_one()
    return from_paise(total or 0)
