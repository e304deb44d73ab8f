"""A report's ``Table`` as a readable A4 PDF (reportlab), for the command line and anywhere
without a screen: the GSTR-1 and GSTR-3B summaries (`bahi gst gstr1 --pdf F.pdf`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from app.billing.printing.fonts import fonts_for
from app.money import format_inr
from app.reports.table import Cell, Table

_WIDE = 7  # columns beyond which the page turns landscape


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_inr(value)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def write_table_pdf(table: Table, company_name: str, path: Path, subtitle: str = "") -> None:
    """Write ``table`` under the company's name and the table's title; amounts right-aligned
    with Indian digit grouping, the header repeated on every page."""
    fonts = fonts_for("NotoSans")
    size = landscape(A4) if len(table.columns) > _WIDE else A4
    heading = ParagraphStyle("heading", fontName=fonts.bold, fontSize=13, leading=16)
    small = ParagraphStyle("small", fontName=fonts.regular, fontSize=9, leading=11)
    numeric = [
        any(isinstance(row[i], Decimal) for row in table.rows)
        and all(isinstance(row[i], Decimal) or row[i] is None for row in table.rows)
        for i in range(len(table.columns))
    ]
    data = [list(table.columns), *([_cell(cell) for cell in row] for row in table.rows)]
    grid = PdfTable(data, repeatRows=1)
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
        ("FONTNAME", (0, 1), (-1, -1), fonts.regular),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [
        ("ALIGN", (i, 0), (i, -1), "RIGHT") for i, is_number in enumerate(numeric) if is_number
    ]
    grid.setStyle(TableStyle(style))
    story: list[Flowable] = [Paragraph(company_name, heading), Paragraph(table.title, small)]
    if subtitle:
        story.append(Paragraph(subtitle, small))
    story += [Spacer(1, 4 * mm), grid]
    partial = path.with_name(path.name + ".part")
    document = SimpleDocTemplate(
        str(partial),
        pagesize=size,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=table.title,
        author=company_name,
    )
    document.build(story)
    partial.replace(path)  # whole or not at all
