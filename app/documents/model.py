"""What reading a bill produces: words on pages, fields with confidence and region, problems.

Pure values, no I/O. Positions are fractions of the page (0..1, origin top left), so a region
means the same on a PDF page in points and on its scan in pixels; the review screen scales
them to whatever it shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from app.errors import AppError, ValidationError


class DocumentError(ValidationError):
    """A file that cannot be read as a bill; the message says what to do."""


class UnsupportedFile(DocumentError):
    """Neither a PDF nor an image Bahi reads."""


class UnreadableDocument(DocumentError):
    """A damaged PDF or image."""


class EncryptedDocument(DocumentError):
    """A password-protected PDF."""


class EmptyDocument(DocumentError):
    """No pages, or pages without any text to read."""


class ReadCancelled(AppError):
    """The user stopped the reading; nothing was kept."""


class TextSource(StrEnum):
    """Where a page's words came from."""

    TEXT_LAYER = "text"  # the PDF's own text (exact)
    OCR = "ocr"  # tesseract on a page image


class FieldSource(StrEnum):
    """Where a field's value came from; a signed e-invoice QR beats the printed text."""

    TEXT_LAYER = "text"
    OCR = "ocr"
    QR = "qr"
    COMPUTED = "computed"  # derived from other fields by GST arithmetic


@dataclass(frozen=True)
class Box:
    """A rectangle as fractions of the page: x0, top, x1, bottom."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.top, other.top),
            max(self.x1, other.x1),
            max(self.bottom, other.bottom),
        )

    def rounded(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 4), round(self.top, 4), round(self.x1, 4), round(self.bottom, 4))


@dataclass(frozen=True)
class Word:
    """One word as printed, with its place and how sure the reader is of it (0..1)."""

    text: str
    box: Box
    confidence: float = 1.0


@dataclass(frozen=True)
class PageText:
    """The words of one page, from the text layer or OCR, and any QR codes found on it."""

    number: int  # 1-based
    source: TextSource
    words: tuple[Word, ...]
    aspect: float = 1.414  # height / width, for turning fractions back into distances
    qr_texts: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Region:
    """Where on which page a value was read."""

    page: int
    box: Box

    def to_json(self) -> dict[str, object]:
        return {"page": self.page, "bbox": list(self.box.rounded())}


FieldValue = str | Decimal | date


@dataclass(frozen=True)
class Field:
    """One extracted value with its confidence (0..1) and the page region it came from."""

    name: str
    value: FieldValue
    confidence: float
    source: FieldSource
    region: Region | None = None

    def with_confidence(self, confidence: float) -> Field:
        return Field(
            self.name, self.value, max(0.0, min(1.0, confidence)), self.source, self.region
        )


@dataclass(frozen=True)
class LineItem:
    """One row of the bill's item table; any cell may be missing when it could not be read."""

    description: str
    hsn: str | None
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal | None
    confidence: float
    region: Region | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "description": self.description,
            "hsn": self.hsn,
            "quantity": _json_value(self.quantity),
            "rate": _json_value(self.rate),
            "amount": _json_value(self.amount),
            "confidence": round(self.confidence, 3),
            "region": self.region.to_json() if self.region else None,
        }


@dataclass(frozen=True)
class Problem:
    """Something a person should look at before the bill becomes an entry."""

    message: str
    field: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class EInvoice:
    """The e-invoice QR payload (Rule 48(4)); the NIC signature cannot be checked offline."""

    irn: str | None
    irn_date: str | None
    item_count: int | None
    main_hsn: str | None
    page: int
    signature_verified: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "irn": self.irn,
            "irn_date": self.irn_date,
            "item_count": self.item_count,
            "main_hsn": self.main_hsn,
            "page": self.page,
            "signature_verified": self.signature_verified,
            "note": "The QR's signature (NIC's key) is not verified offline; "
            "check the IRN on the e-invoice portal when it matters.",
        }


# Every field ``bahi doc read --json`` names, in print order; missing ones are null.
FIELD_NAMES: tuple[str, ...] = (
    "supplier_name",
    "supplier_gstin",
    "buyer_gstin",
    "invoice_number",
    "invoice_date",
    "place_of_supply",
    "currency",
    "taxable_value",
    "cgst_rate",
    "cgst",
    "sgst_rate",
    "sgst",
    "igst_rate",
    "igst",
    "cess_rate",
    "cess",
    "round_off",
    "grand_total",
)
AMOUNT_FIELDS: tuple[str, ...] = (
    "taxable_value",
    "cgst",
    "sgst",
    "igst",
    "cess",
    "round_off",
    "grand_total",
)


@dataclass(frozen=True)
class Reading:
    """Everything read from one file."""

    file_name: str
    page_count: int  # pages in the file
    pages: tuple[PageText, ...]  # pages actually read
    fields: tuple[Field, ...]
    lines: tuple[LineItem, ...] = ()
    problems: tuple[Problem, ...] = ()
    einvoice: EInvoice | None = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def value(self, name: str) -> FieldValue | None:
        found = self.field(name)
        return found.value if found else None

    def to_json(self) -> dict[str, object]:
        """The shape of ``bahi doc read --json``: amounts as decimal strings, missing as null."""
        by_name = {f.name: f for f in self.fields}
        return {
            "file": self.file_name,
            "fields": {
                n: _json_value(by_name[n].value) if n in by_name else None for n in FIELD_NAMES
            },
            "confidence": {
                n: round(by_name[n].confidence, 3) if n in by_name else 0.0 for n in FIELD_NAMES
            },
            "regions": {n: _region_json(by_name.get(n)) for n in FIELD_NAMES},
            "sources": {n: str(by_name[n].source) if n in by_name else None for n in FIELD_NAMES},
            "lines": [line.to_json() for line in self.lines],
            "problems": [p.to_json() for p in self.problems],
            "einvoice": self.einvoice.to_json() if self.einvoice else None,
            "pages": {
                "in_file": self.page_count,
                "read": [{"page": p.number, "text": str(p.source)} for p in self.pages],
            },
        }


def _region_json(found: Field | None) -> dict[str, object] | None:
    return found.region.to_json() if found is not None and found.region is not None else None


def _json_value(value: FieldValue | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Progress(Protocol):
    """Told after each page: pages done, pages to read, and what is happening."""

    def __call__(self, done: int, total: int, stage: str) -> None: ...


def no_progress(done: int, total: int, stage: str) -> None:
    """The default progress callback: nobody is watching."""


@dataclass
class CancelToken:
    """A flag another thread sets to stop a reading between pages; call it to ask."""

    _event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._event.set()

    def __call__(self) -> bool:
        return self._event.is_set()


CancelCheck = Callable[[], bool]
