"""Barcode labels as PDF: A4 sheets of 24 (3 x 8, 70 x 37 mm) or 50 x 25 mm roll labels.

Bars are drawn by reportlab as vectors, so they print sharp on any printer; the module
width is the GS1 nominal 0.33 mm, narrowed only as far as the label needs, and the quiet
zones either side are kept clear, so a scanner reads what is printed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, cast

from app.errors import ValidationError
from app.inventory.barcodes import BarcodeKind, barcode_kind
from app.inventory.queries import ItemView
from app.money import format_inr

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas

MM = 72 / 25.4  # PDF points in a millimetre
NOMINAL_MODULE_MM = 0.33
MIN_MODULE_MM = 0.19  # below this, shop scanners misread
QUIET_MODULES = 10


class LabelLayout(StrEnum):
    A4 = "a4"  # 24 labels a sheet, 70 x 37 mm, no gaps
    ROLL = "roll"  # one 50 x 25 mm label a page, as thermal label printers take them


@dataclass(frozen=True)
class Label:
    name: str
    code: str
    kind: BarcodeKind
    price: Decimal
    mrp: Decimal | None


def label_for(view: ItemView, price_list: str = "retail") -> Label:
    """The label of an item: its first barcode, or its SKU as Code 128."""
    printable = [(code, kind) for code, kind in view.barcodes if kind is not BarcodeKind.PLU]
    kind: BarcodeKind
    if printable:
        code, kind = printable[0]
    elif view.item.sku:
        code, kind = view.item.sku, barcode_kind(view.item.sku)
    else:
        raise ValidationError(
            f"{view.item.name} has no barcode or SKU to print. Give it one first."
        )
    return Label(view.item.name, code, kind, view.price(price_list), view.item.mrp)


def _modules(label: Label) -> int:
    """How many bar modules wide the symbol is, quiet zones left out."""
    if label.kind is BarcodeKind.EAN13:
        return 95
    if label.kind is BarcodeKind.UPCA:
        return 95
    if label.kind is BarcodeKind.EAN8:
        return 67
    return 11 * (len(label.code) + 3) + 2  # start, data, check, stop + final bar


def _barcode(label: Label, width_mm: float, height_mm: float) -> Drawing:
    from reportlab.graphics.barcode import createBarcodeDrawing as untyped

    createBarcodeDrawing = cast("Callable[..., Drawing]", untyped)

    module = min(NOMINAL_MODULE_MM, width_mm / (_modules(label) + 2 * QUIET_MODULES))
    if module < MIN_MODULE_MM:
        raise ValidationError(
            f"Barcode {label.code} is too long for this label; use the A4 layout or a shorter code."
        )
    common = {"barWidth": module * MM, "barHeight": height_mm * MM, "humanReadable": True}
    if label.kind is BarcodeKind.EAN13:
        return createBarcodeDrawing("EAN13", value=label.code[:12], **common)
    if label.kind is BarcodeKind.UPCA:
        return createBarcodeDrawing("UPCA", value=label.code[:11], **common)
    if label.kind is BarcodeKind.EAN8:
        return createBarcodeDrawing("EAN8", value=label.code[:7], **common)
    return createBarcodeDrawing(
        "Code128",
        value=label.code,
        quiet=True,
        lquiet=QUIET_MODULES * module * MM,
        rquiet=QUIET_MODULES * module * MM,
        **common,
    )


def _fit(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "..."


def _rupees(amount: Decimal) -> str:
    return "Rs. " + format_inr(amount)  # the base fonts have no rupee sign


def _draw(canvas: Canvas, label: Label, x: float, y: float, w_mm: float, h_mm: float) -> None:
    from reportlab.graphics import renderPDF

    pad = 2 * MM
    width = w_mm * MM
    top = y + h_mm * MM
    name_size = 7 if h_mm < 30 else 8
    canvas.setFont("Helvetica-Bold", name_size)
    canvas.drawString(
        x + pad,
        top - pad - name_size,
        _fit(label.name, "Helvetica-Bold", name_size, width - 2 * pad),
    )
    canvas.setFont("Helvetica", name_size)
    prices = _rupees(label.price)
    if label.mrp is not None:
        prices = f"MRP {_rupees(label.mrp)}   Our price {prices}"
    canvas.drawString(
        x + pad, top - pad - 2.2 * name_size, _fit(prices, "Helvetica", name_size, width - 2 * pad)
    )
    bar_height = h_mm - 2 * 2 - 2.4 * name_size / MM - 4  # room for the digits below
    drawing = _barcode(label, w_mm - 4, max(6.0, min(bar_height, 15.0)))
    renderPDF.draw(drawing, canvas, x + (width - drawing.width) / 2, y + pad)


def labels_pdf(labels: Sequence[Label], layout: LabelLayout = LabelLayout.A4) -> bytes:
    """A PDF with the labels in order; repeat a label in the list to print copies."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    if not labels:
        raise ValidationError("Choose at least one item to print labels for.")
    out = io.BytesIO()
    if layout is LabelLayout.ROLL:
        canvas = Canvas(out, pagesize=(50 * MM, 25 * MM), pageCompression=1)
        for label in labels:
            _draw(canvas, label, 0, 0, 50, 25)
            canvas.showPage()
    else:
        canvas = Canvas(out, pagesize=A4, pageCompression=1)
        columns, rows, w_mm, h_mm = 3, 8, 70, 37
        top_margin = (A4[1] / MM - rows * h_mm) / 2
        for index, label in enumerate(labels):
            slot = index % (columns * rows)
            if index and slot == 0:
                canvas.showPage()
            column, row = slot % columns, slot // columns
            x = column * w_mm * MM
            y = A4[1] - (top_margin + (row + 1) * h_mm) * MM
            _draw(canvas, label, x, y, w_mm, h_mm)
        canvas.showPage()
    canvas.setTitle("Bahi barcode labels")
    canvas.save()
    return out.getvalue()
