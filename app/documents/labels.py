"""The words bills print before each value, in the wordings Indian suppliers use.

Each label has a strength (0..1): how surely the value after it is the field, e.g. "Invoice
No." is surer than "#", "Grand Total" surer than a bare "Total". A few French and Dutch
wordings are here because foreign bills arrive too (services, imports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    field: str
    pattern: re.Pattern[str]
    strength: float


def _label(field: str, pattern: str, strength: float) -> Label:
    return Label(field, re.compile(pattern, re.IGNORECASE), strength)


# Words before "no"/"date" that make it some other document's number or date.
OTHER_REFERENCE = re.compile(
    r"(?i)\b(order|po|p\.o\.|purchase\s+order|challan|dc|ack|acknowledgement|e-?way|eway|"
    r"irn|account|a/c|customer|client|klant|dossier|ref|reference|lr|gr|vehicle|mobile|"
    r"phone|ph|tel|due|delivery|dispatch|despatch|supply|payment|shipping|transport|"
    r"ordernummer|orderdatum|klantnummer|serial)\b[\s.:/-]*$"
)

INVOICE_NUMBER = (
    _label("invoice_number", r"\b(?:tax\s+)?invoice\s*(?:no|num|number|nr)\b\.?", 1.0),
    _label("invoice_number", r"\binvoice\s*#", 1.0),
    _label("invoice_number", r"\b(?:bill|inv)\.?\s*(?:no|num|number|#)\b\.?|\binv\.?\s*#", 0.95),
    _label("invoice_number", r"\bfacture\s*n\s*[°o]\.?", 0.9),
    _label("invoice_number", r"\bf\s?actuurnummer\b|\brechnungs?\s*-?\s*nr\b\.?", 0.9),
    _label("invoice_number", r"\b(?:document|doc)\s*(?:no|number)\b\.?", 0.8),
    _label("invoice_number", r"\bvoucher\s*(?:no|number)\b\.?|\bserial\s*no\b\.?", 0.6),
    _label("invoice_number", r"^#", 0.6),
)

INVOICE_DATE = (
    _label("invoice_date", r"\b(?:tax\s+)?(?:invoice|inv|bill)\.?\s*(?:date|dt)\b\.?", 1.0),
    _label("invoice_date", r"\bf\s?actuurdatum\b|\brechnungsdatum\b", 0.95),
    _label("invoice_date", r"\bdated\b", 0.9),
    _label("invoice_date", r"\bdate\b", 0.8),
    _label("invoice_date", r"\bdatum\b|\bdt\b\.?", 0.6),
)

PLACE_OF_SUPPLY = (_label("place_of_supply", r"\bplace\s*of\s*supply\b", 1.0),)

SUPPLIER_NAME = (
    _label("supplier_name", r"\b(?:name\s+of\s+(?:the\s+)?supplier|supplier\s*name)\b", 1.0),
    _label("supplier_name", r"\b(?:supplier|seller|sold\s+by|vendor|from|consignor)\b\s*:", 0.9),
    _label("supplier_name", r"^\s*(?:supplier|seller|sold\s+by|vendor)\s*$", 0.85),
)

# Amount labels, most specific first: the first that matches a segment names its field.
AMOUNTS = (
    _label(
        "taxable_value",
        r"\btaxable\s*(?:value|amount|amt)\b|\btotal\s*taxable\b|\bsub\s*-?\s*total\b|"
        r"\btotal\s*(?:value\s*)?before\s*tax\b|\bamount\s*before\s*tax\b|"
        r"\bassessable\s*value\b|\btotal\s*ht\b|\bexclusief\s*btw\b|\bnet\s*taxable\b",
        1.0,
    ),
    _label("cgst", r"\bcgst\b|\bcentral\s*(?:tax|gst)\b", 1.0),
    _label("sgst", r"\bsgst\b|\butgst\b|\bstate\s*(?:tax|gst)\b|\but\s*tax\b", 1.0),
    _label("igst", r"\bigst\b|\bintegrated\s*(?:tax|gst)\b", 1.0),
    _label("cess", r"\bcess\b", 1.0),
    _label("round_off", r"\bround(?:ing|ed)?\s*-?\s*off\b|\brounding\b|\br\s*/\s*o\b", 1.0),
    _label(
        "grand_total",
        r"\bgrand\s*total\b|\btotal\s*invoice\s*(?:value|amount)\b|"
        r"\b(?:invoice|bill)\s*(?:total|value|amount)\b|\btotal\s*(?:amount\s*)?(?:payable|due)\b|"
        r"\bamount\s*payable\b|\bnet\s*(?:amount|payable|total)\b|\btotal\s*ttc\b|"
        r"\btotal\s*for\s*this\s*invoice\b|\bbalance\s*due\b",
        1.0,
    ),
    _label("grand_total", r"\btotal\s*amount\b|\btotaal\b", 0.85),
    _label("grand_total", r"^\s*total\b(?!\s*(?:tax|qty|quantity|items?|discount|gst))", 0.6),
)

NOT_AN_AMOUNT_ROW = re.compile(r"(?i)\bin\s+words\b|\brupees\b.*\bonly\b")

# Headings over a party's block: which party the GSTIN under them belongs to.
BUYER_WORDS = re.compile(
    r"(?i)\b(bill(?:ed)?\s*to|buyer|customer|recipient|receiver|consignee|ship(?:ped)?\s*to|"
    r"sold\s*to|invoice\s*to|party|m/s)\b"
)
SUPPLIER_WORDS = re.compile(
    r"(?i)\b(supplier|seller|sold\s*by|vendor|from|consignor|our\s*gstin|details\s+of\s+supplier)\b"
)
TITLE_WORDS = re.compile(
    r"(?i)^\s*(tax\s+invoice|invoice|bill\s+of\s+supply|retail\s+invoice|e-?invoice|"
    r"original|duplicate|triplicate|cash\s+memo|credit\s+memo|estimate|quotation|bill|"
    r"for\s+recipient|page\s+\d|gstin|gst)\b"
)


def all_labels() -> tuple[Label, ...]:
    return (*INVOICE_NUMBER, *INVOICE_DATE, *PLACE_OF_SUPPLY, *SUPPLIER_NAME, *AMOUNTS)


def has_label(text: str) -> bool:
    """True when ``text`` carries any field label (a value to its right belongs to it)."""
    return any(label.pattern.search(text) for label in all_labels()) or bool(
        re.search(r"(?i)\bgstin\b", text)
    )
