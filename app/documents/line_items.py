"""The item table: a header row names the columns, rows under it are read by column.

Works on word positions, so bordered and borderless tables, text layer and OCR are read the
same way. The description is the text run that starts a row; each number belongs to the
header it sits under. A row with text only continues the description above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from app.documents import labels
from app.documents.fields import Document
from app.documents.layout import Row
from app.documents.model import LineItem, Region
from app.documents.printed import parse_amount

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tax", re.compile(r"(?i)\b(cgst|sgst|igst|utgst|cess|gst|tax)\b")),
    ("hsn", re.compile(r"(?i)\b(hsn|sac)\b")),
    ("quantity", re.compile(r"(?i)\b(qty|quantity|nos|aantal|nombre)\b")),
    ("taxable", re.compile(r"(?i)\btaxable\b")),
    ("rate", re.compile(r"(?i)\b(rate|price|p\.?\s?u\.?|mrp)\b")),
    ("amount", re.compile(r"(?i)\b(amount|amt|value|total|montant)\b")),
    (
        "description",
        re.compile(
            r"(?i)\b(description|item|items|particulars|product|goods|"
            r"services?|artikel|désignation|designation)\b"
        ),
    ),
    ("serial", re.compile(r"(?i)^(s\.?\s?no\.?|sr\.?(\s?no\.?)?|sl\.?(\s?no\.?)?|#)$")),
    ("other", re.compile(r"(?i)\b(unit|uom|per|disc|discount)\b")),
)
_STOP = re.compile(
    r"(?i)\b(sub\s*-?\s*total|grand\s*total|total|taxable\s*value|amount\s*in\s*words|"
    r"round\s*off|rupees|bank|terms)\b"
)
_CELL_KINDS = frozenset({"hsn", "quantity", "rate", "amount", "taxable", "tax"})
_HSN = re.compile(r"^\d{4}(\d{2}){0,2}$")
_QUANTITY = re.compile(r"^\d+(\.\d{1,3})?$")


@dataclass(frozen=True)
class _Column:
    kind: str
    x0: float
    x1: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def _kind(text: str) -> str | None:
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def _header(row: Row) -> list[_Column] | None:
    columns: list[_Column] = []
    for segment in row.segments:
        kind = _kind(segment.text)
        if kind is not None and len(segment.words) <= 3:
            columns.append(_Column(kind, segment.box.x0, segment.box.x1))
            continue
        for word in segment.words:  # headers packed close together: one word each
            kind = _kind(word.text)
            if kind is not None:
                columns.append(_Column(kind, word.box.x0, word.box.x1))
    kinds = {c.kind for c in columns}
    if (
        "description" in kinds
        and len(kinds & {"hsn", "quantity", "rate", "amount", "taxable"}) >= 2
    ):
        return columns
    return None


def _row_item(row: Row, columns: list[_Column]) -> tuple[str, dict[str, str]] | None:
    description_words: list[str] = []
    cells: dict[str, str] = {}
    desc_col = next(c for c in columns if c.kind == "description")
    for segment in row.segments:
        text_run = any(re.search(r"[A-Za-z]{2}", w.text) for w in segment.words)
        if text_run and segment.box.x0 < desc_col.x1 + 0.35 and not cells.get("amount"):
            description_words.extend(w.text for w in segment.words)
            continue
        for word in segment.words:
            if parse_amount(word.text) is None:
                continue
            centre = (word.box.x0 + word.box.x1) / 2
            column = min(
                columns, key=lambda c: min(abs(c.centre - centre), abs(c.x1 - word.box.x1))
            )
            if column.kind in _CELL_KINDS:
                cells.setdefault(column.kind, word.text)
    description = " ".join(description_words)
    if description_words and cells.get("serial") is None:
        lead = description_words[0]
        if lead.rstrip(".").isdigit() and len(description_words) > 1:
            description = " ".join(description_words[1:])
    return description, cells


def line_items(doc: Document) -> list[LineItem]:
    items: list[LineItem] = []
    columns: list[_Column] | None = None
    for row in doc.rows:
        header = _header(row)
        if header is not None:
            columns = header
            continue
        if columns is None:
            continue
        if (_STOP.search(row.text) or _amount_label(row)) and not items_row_has_hsn(row):
            columns = None
            continue
        parsed = _row_item(row, columns)
        if parsed is None:
            continue
        description, cells = parsed
        amount_text = cells.get("taxable") or cells.get("amount")
        if amount_text is None:
            if description and items and not cells:
                last = items[-1]  # the description runs onto a second line
                items[-1] = LineItem(
                    f"{last.description} {description}",
                    last.hsn,
                    last.quantity,
                    last.rate,
                    last.amount,
                    last.confidence,
                    last.region,
                )
            continue
        if not description and "quantity" not in cells:
            continue  # an amount alone under the table is a total, not an item
        items.append(_item(row, description, cells, amount_text))
    return items


def _amount_label(row: Row) -> bool:
    return any(label.pattern.search(s.text) for s in row.segments for label in labels.AMOUNTS)


def items_row_has_hsn(row: Row) -> bool:
    return any(_HSN.match(w.text) for w in row.words)


def _item(row: Row, description: str, cells: dict[str, str], amount_text: str) -> LineItem:
    amount = parse_amount(amount_text)
    rate = parse_amount(cells["rate"]) if "rate" in cells else None
    quantity = (
        Decimal(cells["quantity"])
        if "quantity" in cells and _QUANTITY.match(cells["quantity"])
        else None
    )
    hsn = cells.get("hsn") if cells.get("hsn") and _HSN.match(cells["hsn"]) else None
    confidence = min(w.confidence for w in row.words)
    if quantity is not None and rate is not None and amount is not None:
        # qty x rate = amount (within a paisa per unit of rounding) confirms the reading.
        confidence *= 1.0 if abs(quantity * rate - amount) <= Decimal("0.05") else 0.6
    else:
        confidence *= 0.7
    return LineItem(
        description.strip(), hsn, quantity, rate, amount, confidence, Region(row.page, row.box)
    )
