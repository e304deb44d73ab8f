"""Pure values for stored bills: what an import prepares, the fields as the user sees them
(what was read, with the user's corrections over it) and how a correction is checked.

No SQLAlchemy, no Qt, no files: the service and the queries build these from rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NewType

from app.documents.model import AMOUNT_FIELDS, FIELD_NAMES, Reading
from app.errors import ValidationError
from app.gst import parse_gstin, state_by_code
from app.money import has_at_most_paise

StoredDocumentId = NewType("StoredDocumentId", int)

# A bill is a few pages; a file with more is a statement or a scan batch: split it first.
MAX_IMPORT_PAGES = 50
MAX_IMPORT_BYTES = 60 * 1024 * 1024


class StoredStatus(StrEnum):
    DRAFT = "draft"  # read, waiting for review
    POSTED = "posted"  # turned into a purchase bill
    REJECTED = "rejected"  # not a bill for the books (kept, searchable)


@dataclass(frozen=True)
class PageImage:
    """One page as a picture for the review screen (PNG, or the scan's own JPEG)."""

    page_no: int
    media_type: str
    width: int
    height: int
    data: bytes
    text_source: str = ""  # "text", "ocr", or "" when the page was not read


@dataclass(frozen=True)
class PreparedImport:
    """Everything an import stores, made before the transaction (reading and OCR are slow)."""

    source_name: str
    content_hash: str
    data: bytes
    kind: str  # "pdf" or "image"
    media_type: str
    reading: Reading
    pages: tuple[PageImage, ...]


@dataclass(frozen=True)
class Imported:
    document_id: StoredDocumentId
    source_name: str
    duplicate: bool  # the same file was stored before: nothing new was written
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldState:
    """One field as shown for review: the value (text), how sure the reading was, where."""

    name: str
    value: str | None
    confidence: float
    source: str | None  # text, ocr, qr, computed, user
    region: Mapping[str, Any] | None  # {"page": 1, "bbox": [x0, top, x1, bottom]}
    corrected: bool = False


def effective_fields(
    extracted: Mapping[str, Any], corrections: Mapping[str, str | None]
) -> tuple[FieldState, ...]:
    """The fields read, with the user's corrections over them (a correction is certain)."""
    values = extracted.get("fields", {})
    confidence = extracted.get("confidence", {})
    sources = extracted.get("sources", {})
    regions = extracted.get("regions", {})
    found = []
    for name in FIELD_NAMES:
        if name in corrections:
            found.append(FieldState(name, corrections[name], 1.0, "user", regions.get(name), True))
        else:
            found.append(
                FieldState(
                    name,
                    values.get(name),
                    float(confidence.get(name) or 0.0),
                    sources.get(name),
                    regions.get(name),
                )
            )
    return tuple(found)


def field_value(fields: tuple[FieldState, ...], name: str) -> str | None:
    return next((f.value for f in fields if f.name == name), None)


_RATE_FIELDS = ("cgst_rate", "sgst_rate", "igst_rate", "cess_rate")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def clean_correction(name: str, text: str | None) -> str | None:
    """A user's correction in the form the fields JSON keeps; a bad one raises a message."""
    if name not in FIELD_NAMES:
        raise ValidationError(f"{name!r} is not a field of a bill.")
    cleaned = " ".join((text or "").split())
    if not cleaned:
        return None
    label = name.replace("_", " ")
    if name in AMOUNT_FIELDS or name in _RATE_FIELDS:
        plain = cleaned.replace(",", "").removeprefix("₹").strip()
        if not _NUMBER.match(plain):
            raise ValidationError(f"The {label} must be an amount like 1234.50, not {text!r}.")
        try:
            amount = Decimal(plain)
        except InvalidOperation:
            raise ValidationError(f"The {label} must be an amount like 1234.50.") from None
        if not has_at_most_paise(amount):
            raise ValidationError(f"The {label} has more than two decimals.")
        if amount < 0 and name != "round_off":
            raise ValidationError(f"The {label} cannot be negative.")
        return str(amount)
    if name == "invoice_date":
        return parse_day(cleaned, label).isoformat()
    if name in ("supplier_gstin", "buyer_gstin"):
        return parse_gstin(cleaned, allow_special=True).value
    if name == "place_of_supply":
        return state_by_code(cleaned.zfill(2) if cleaned.isdigit() else cleaned).code
    if name == "invoice_number" and len(cleaned) > 40:
        raise ValidationError("An invoice number is at most 16 characters (CGST Rule 46).")
    return cleaned


_DAY = re.compile(r"^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})$")


def parse_day(text: str, label: str = "date") -> date:
    """ISO (2025-04-05) or day first (05-04-2025, 5/4/25), as accountants type dates."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = _DAY.match(text.strip())
    if found:
        year = int(found[3]) + (2000 if len(found[3]) == 2 else 0)
        try:
            return date(year, int(found[2]), int(found[1]))
        except ValueError:
            pass
    raise ValidationError(f"The {label} must be a date like 05-04-2025, not {text!r}.")


def as_decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def as_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
