"""Readiness check before a GSTR-1 export: every fault the portal or the law would refuse,
named on the document that has it, with what to do (issue 3 item 8).

A batch check returns problems rather than raising (DESIGN.md §8); each problem carries the
document id so the screen can open the document. Nothing is skipped quietly: a document that
``gstr1()`` could not place in a table is reported here with the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from app.billing.model import DocumentId, PostedDocument, PostedLine
from app.gst import check_gstin
from app.gst.periods import ReturnPeriod
from app.gst.states import OTHER_COUNTRIES, is_state_code
from app.inventory.model import UQC_CODES
from app.reports.gstr1 import (
    DOC_NATURE,
    NOTE_KINDS,
    REPORTED_KINDS,
    SERVICE_UQC,
    OutwardHead,
    UnplaceableDocument,
    head_of,
    nil_head,
    section_of,
)

# Notification 78/2020-CT: 6 HSN digits above Rs 5 crore aggregate turnover, else 4 (gst.md §3.4).
SIX_DIGIT_TURNOVER = Decimal("50000000")
# CGST Rule 46(b): at most 16 characters, letters, digits, "-" and "/"; india-compliance also
# asks for a letter or digit first (gst.md §3.1).
MAX_NUMBER_LENGTH = 16
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]*$")
_PORT_CODE = re.compile(r"^[A-Za-z0-9]{6}$")
_SHIPPING_BILL = re.compile(r"^[0-9]{1,7}$")


@dataclass(frozen=True)
class Problem:
    """One thing to fix before filing; ``document_id`` opens the document on screen."""

    document_id: DocumentId | None  # None for a fault of the company, not of a document
    number: str
    message: str


def hsn_digits_required(aggregate_turnover: Decimal) -> int:
    return 6 if aggregate_turnover > SIX_DIGIT_TURNOVER else 4


def _number_problem(number: str) -> str | None:
    if not number:
        return "The document has no number; every invoice and note needs its serial (Rule 46(b))."
    if len(number) > MAX_NUMBER_LENGTH:
        return (
            f"Number {number!r} has {len(number)} characters; GST allows at most 16 (Rule 46(b)). "
            "Shorten the series prefix for new documents and amend this one."
        )
    if not _NUMBER.match(number):
        return (
            f"Number {number!r} may hold only letters, digits, '/' and '-', starting with a "
            "letter or digit (Rule 46(b)); change the numbering series."
        )
    return None


def _line_problems(line: PostedLine, required_digits: int, untaxed: bool) -> list[str]:
    found: list[str] = []
    where = f"Line {line.line_no} ({line.description or 'no description'})"
    hsn = line.hsn.strip()
    if not hsn:
        kind = "SAC" if line.is_service else "HSN"
        found.append(
            f"{where} has no HSN/SAC code; GSTR-1 Table 12 needs one for every line. Set the "
            f"item's {kind} code."
        )
    elif not hsn.isdigit() or not 2 <= len(hsn) <= 8:
        found.append(f"{where}: HSN/SAC {hsn!r} must be digits only, 4 to 8 of them.")
    elif len(hsn) < required_digits:
        found.append(
            f"{where}: HSN/SAC {hsn} has {len(hsn)} digits; with this turnover at least "
            f"{required_digits} are required (Notification 78/2020-CT). Use the longer code."
        )
    if not line.is_service and line.uqc not in UQC_CODES:
        found.append(
            f"{where}: unit {line.uqc!r} is not on the GSTN list of unit codes (UQC); choose "
            "one such as NOS, PCS, KGS or OTH for the item."
        )
    if line.is_service and line.uqc not in UQC_CODES and line.uqc != SERVICE_UQC:
        found.append(f"{where}: unit {line.uqc!r} is not a GSTN unit code; services use NA.")
    if untaxed and line.tax:
        found.append(f"{where} is nil-rated, exempt or non-GST but carries tax; correct the item.")
    return found


def _place_problems(document: OutwardHead) -> list[str]:
    pos = document.place_of_supply.strip()
    if not pos:
        return ["The place of supply is missing; set the buyer's state on the document."]
    if not is_state_code(pos):
        return [f"Place of supply {pos!r} is not a GST state code; choose the buyer's state."]
    if pos == OTHER_COUNTRIES and document.export is None:
        return [
            "Place of supply 96 (other countries) is only for exports; mark the document as an "
            "export or choose the buyer's state."
        ]
    if document.export is not None and pos != OTHER_COUNTRIES:
        return ["An export's place of supply is 96 (other countries); correct the document."]
    return []


def _tax_head_problems(document: OutwardHead) -> list[str]:
    if document.inter_state and (document.cgst or document.sgst):
        return ["An inter-state document carries CGST/SGST; re-post it with IGST."]
    if not document.inter_state and document.igst:
        return ["An intra-state document carries IGST; re-post it with CGST and SGST."]
    return []


def _party_problems(document: OutwardHead) -> tuple[str, ...]:
    return _gstin_problems(document.gstin) if document.gstin else ()


@lru_cache(maxsize=4096)  # a month's 20,000 B2B invoices go to a few hundred buyers
def _gstin_problems(gstin: str) -> tuple[str, ...]:
    verdict = check_gstin(gstin)
    if verdict.valid:
        return ()
    return (
        f"The buyer's GSTIN {verdict.text or gstin!r} is not valid: {verdict.problem}. "
        "Correct it on the party and re-issue the document, or clear it to report a B2C sale.",
    )


def _note_problems(document: OutwardHead) -> list[str]:
    if document.kind not in NOTE_KINDS:
        return []
    if document.original_number and document.original_date is not None:
        return []
    return [
        f"The {document.kind.label.lower()} does not name its original invoice's number and "
        "date (Rule 53(1A)); enter them on the note."
    ]


def _export_problems(document: OutwardHead) -> list[str]:
    export = document.export
    if export is None:
        return []
    found: list[str] = []
    if export.with_payment:
        # The IGST refund on exports with payment is claimed through the shipping bill.
        if not export.port_code:
            found.append("The export with IGST paid has no port code; enter the port of export.")
        if not export.shipping_bill or export.shipping_bill_date is None:
            found.append(
                "The export with IGST paid has no shipping bill number and date; enter them."
            )
    if export.port_code and not _PORT_CODE.match(export.port_code):
        found.append(f"Port code {export.port_code!r} should be 6 letters or digits (INMAA1).")
    if export.shipping_bill and not _SHIPPING_BILL.match(export.shipping_bill):
        found.append(f"Shipping bill number {export.shipping_bill!r} should be up to 7 digits.")
    return found


def _document_problems(
    document: OutwardHead,
    lines: Sequence[PostedLine],
    has_lines: bool,
    period: ReturnPeriod,
    required_digits: int,
    by_id: Mapping[DocumentId, OutwardHead],
) -> list[str]:
    if document.doc_date not in period:
        return [
            f"Dated {document.doc_date:%d-%m-%Y}, outside {period.label}: this return leaves it "
            "out; it belongs in the return of its own period (or correct its date)."
        ]
    found: list[str] = []
    number = _number_problem(document.number)
    if number:
        found.append(number)
    if document.cancelled:
        return found  # a cancelled document is counted in Table 13 by its number only
    try:
        section_of(document, by_id)
    except UnplaceableDocument as error:
        found.append(str(error))
    if not has_lines:
        found.append("The document has no lines; cancel it or add what was sold.")
    found += _party_problems(document)
    found += _place_problems(document)
    found += _tax_head_problems(document)
    found += _note_problems(document)
    found += _export_problems(document)
    for line in lines:
        found += _line_problems(line, required_digits, nil_head(document, line) is not None)
    return found


def _duplicate_numbers(documents: Sequence[OutwardHead]) -> list[Problem]:
    # gst.md §3.1: unique per financial year; treat numbers differing only in case as one.
    seen: dict[tuple[int, str], OutwardHead] = {}
    found: list[Problem] = []
    for document in documents:
        key = (DOC_NATURE[document.kind], document.number.upper())
        first = seen.setdefault(key, document)
        if first is not document:
            found.append(
                Problem(
                    document.id,
                    document.number,
                    f"Number {document.number} is used twice (also on the document dated "
                    f"{first.doc_date:%d-%m-%Y}); a serial must be unique in the financial year.",
                )
            )
    return found


def gstr1_problems(
    documents: Sequence[PostedDocument],
    period: ReturnPeriod,
    gstin: str,
    aggregate_turnover: Decimal = Decimal(0),
    originals: Sequence[PostedDocument] = (),
) -> list[Problem]:
    """Everything to fix before exporting GSTR-1 for ``period``: one Problem per fault, in
    document order. ``aggregate_turnover`` (preceding financial year) sets the HSN digits.
    ``originals`` are invoices of other periods that notes name: they place the notes and
    are not checked (their own period's return reports them)."""
    return head_problems(
        [head_of(document) for document in documents],
        {document.id: document.lines for document in documents},
        {document.id for document in documents if document.lines},
        period,
        gstin,
        aggregate_turnover,
        {original.id: head_of(original) for original in originals},
    )


def head_problems(
    heads: Sequence[OutwardHead],
    lines: Mapping[DocumentId, Sequence[PostedLine]],
    with_lines: Set[DocumentId],
    period: ReturnPeriod,
    gstin: str,
    aggregate_turnover: Decimal = Decimal(0),
    originals: Mapping[DocumentId, OutwardHead] | None = None,
) -> list[Problem]:
    """``gstr1_problems`` from the documents' heads: ``lines`` holds, by document, the lines
    to check (all of them, or at least every one with a fault), ``with_lines`` the documents
    that have any line, ``originals`` the heads that only place notes."""
    found: list[Problem] = []
    filer = check_gstin(gstin)
    if not filer.is_regular:
        reason = filer.problem or f"it is a {filer.kind.label if filer.kind else 'special ID'}"
        found.append(
            Problem(
                None,
                "",
                f"The company's GSTIN {filer.text!r} cannot file GSTR-1: {reason}. "
                "Correct it in the company settings.",
            )
        )
    required_digits = hsn_digits_required(aggregate_turnover)
    by_id = {**(originals or {}), **{head.id: head for head in heads}}
    reported = [
        head
        for head in sorted(heads, key=lambda h: (h.doc_date, h.number))
        if head.kind in REPORTED_KINDS
    ]
    for head in reported:
        problems = _document_problems(
            head, lines.get(head.id, ()), head.id in with_lines, period, required_digits, by_id
        )
        found += (Problem(head.id, head.number, message) for message in problems)
    found += _duplicate_numbers([d for d in reported if d.doc_date in period])
    return found
