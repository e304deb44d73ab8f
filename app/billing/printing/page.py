"""The invoice on cut sheets (A4, A5, Letter), drawn straight on a reportlab canvas.

The body is a flow of bands (line rows, the totals, the HSN summary rows, the closing block)
laid out before anything is drawn, so every page knows it is "n of m". Each page repeats the
letterhead, the document particulars, the recipient and the column headings; the totals,
the amount in words and the signature come once, after the last line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from reportlab.lib.colors import Color

from app.billing.model import DocKind, PostedDocument, PostedLine
from app.billing.printing import content as c
from app.billing.printing.drawing import Pen, accent_colours, logo_image, new_canvas
from app.billing.printing.fonts import fonts_for
from app.billing.printing.letterhead import Letterhead
from app.billing.printing.qr import draw_qr
from app.billing.printing.templates import MM, InvoiceTemplate
from app.money import ZERO, amount_in_words

PAD = 3.0  # inner padding of boxes and cells, points
LOGO = 50.0  # the logo's box, points
EINVOICE_QR = 100.0  # about 35 mm: reads from paper with a phone
UPI_QR = 72.0
BLACK = Color(0, 0, 0)


@dataclass(frozen=True)
class Column:
    title: str  # "\n" breaks the heading
    width: float
    align: str  # l, c, r
    cell: Callable[[PostedLine], str]
    group: str = ""  # a tax head whose rate and amount columns share a heading
    total: str = ""  # the figure in the total row


@dataclass
class Band:
    height: float
    draw: Callable[[float], None]  # draws with its top edge at y
    table: str = ""  # the table whose headings must be above it on the page


@dataclass
class Table:
    columns: list[Column]
    heading_height: float  # the title above the table (if any) and the column headings
    title_height: float
    row_height: float  # of one heading row
    draw_heading: Callable[[float], None]


@dataclass
class PagePlan:
    header_height: float
    bands: list[tuple[Band, float]] = field(default_factory=list)
    frames: list[tuple[str, float, float]] = field(default_factory=list)  # table, top, bottom


class PageInvoice:
    def __init__(
        self, doc: PostedDocument, head: Letterhead, template: InvoiceTemplate, out: BinaryIO
    ) -> None:
        c.check_document(doc)
        self.doc, self.head, self.t = doc, head, template
        self.fonts = fonts_for(template.font)
        assert template.page_height_mm is not None
        self.width, self.height = template.page_width, template.page_height_mm * MM
        self.canvas = new_canvas(
            out, (self.width, self.height), f"{doc.kind.label} {doc.number}", head.name
        )
        self.pen = Pen(self.canvas, self.fonts)
        self.accent, self.tint = accent_colours(template.accent)
        self.x0, self.x1 = template.margin, self.width - template.margin
        self.cw = self.x1 - self.x0
        self.s = template.base_size
        self.lead = self.s * 1.3
        self.ts = template.table_size
        self.tlead = self.ts * 1.25
        self.heads = c.tax_heads(doc)
        self.logo = logo_image(head.logo) if template.logo and head.logo is not None else None
        self.link = c.payment_link(doc, head) if template.upi_qr else None
        self.tables: dict[str, Table] = {}

    # Layout ------------------------------------------------------------------------------

    def render(self) -> None:
        header_first = self.header_height(first=True)
        header_rest = self.header_height(first=False)
        footer = self.s * 2
        bottom = self.t.margin + footer
        bands = [*self.line_bands(), self.totals_band()]
        if self.t.hsn_summary and self.heads:
            bands += self.hsn_bands()
        bands.append(self.closing_band())
        last_line = len(self.doc.lines) - 1
        plans = self.paginate(bands, header_first, header_rest, bottom, last_line)
        for number, plan in enumerate(plans, start=1):
            if self.doc.cancelled:
                self.pen.watermark("CANCELLED", self.width, self.height)
            self.draw_header(first=number == 1)
            for band, y in plan.bands:
                band.draw(y)
            for name, top, low in plan.frames:
                self.draw_frame(self.tables[name], top, low)
            self.draw_footer(number, len(plans))
            self.pen.flush()
            self.canvas.showPage()
        self.canvas.save()

    def paginate(
        self, bands: list[Band], first: float, rest: float, bottom: float, keep_from: int
    ) -> list[PagePlan]:
        """Place the bands page by page. From ``keep_from`` on (the last line, the totals, the
        HSN summary and the signature) the bands stay on one page when one page can hold
        them, so the grand total, its words and the signature always end the document."""
        plans = [PagePlan(first)]
        top_of_body = self.height - self.t.margin
        y = top_of_body - first
        table, top = "", 0.0
        tail = sum(band.height for band in bands[keep_from:]) + sum(
            self.tables[name].heading_height for name in {b.table for b in bands[keep_from:]} - {""}
        )

        def close_frame() -> None:
            if table:
                plans[-1].frames.append((table, top, y))

        for index, band in enumerate(bands):
            heading = band.table and band.table != table
            need = band.height + (self.tables[band.table].heading_height if heading else 0)
            if index == keep_from and tail <= top_of_body - rest - bottom:
                need = max(need, tail)
            if y - need < bottom and plans[-1].bands:
                close_frame()
                plans.append(PagePlan(rest))
                y = top_of_body - rest
                table = ""
            if band.table != table:
                close_frame()
                table = band.table
                if table:
                    spec = self.tables[table]
                    plans[-1].bands.append((Band(spec.heading_height, spec.draw_heading), y))
                    top = y
                    y -= spec.heading_height
            plans[-1].bands.append((band, y))
            y -= band.height
        close_frame()
        return plans

    # Page header -------------------------------------------------------------------------

    def title_height(self) -> float:
        legend = self.lead if c.is_composition(self.doc) else 0.0
        return self.t.title_size * 1.3 + legend + 2

    def seller_text_width(self) -> float:
        logo = LOGO + PAD if self.logo is not None else 0.0
        return self.cw * 0.58 - 2 * PAD - logo

    def details_width(self) -> float:
        return self.cw * 0.42

    def detail_rows(self) -> tuple[tuple[str, str], ...]:
        rows = c.detail_rows(self.doc)
        if not self.heads and self.doc.kind is DocKind.BILL_OF_SUPPLY:
            rows = tuple(r for r in rows if r[0] != "Reverse Charge")  # Rule 49 has no RCM
        return rows

    def seller_height(self) -> float:
        lines = sum(
            len(self.pen.wrap(x, self.s, self.seller_text_width()))
            for x in c.seller_lines(self.head)
        )
        text = (self.s + 3) * 1.3 + lines * self.lead
        logo = LOGO if self.logo is not None else 0.0
        details = len(self.detail_rows()) * self.lead
        return max(text, logo, details) + 2 * PAD

    def party_height(self) -> float:
        width = self.cw / 2 - 2 * PAD
        party = self.doc.counterparty
        left = sum(len(self.pen.wrap(x, self.s, width)) for x in c.party_lines(party, self.doc))
        right = sum(len(self.pen.wrap(x, self.s, width)) for x in c.shipping_lines(party))
        name = (self.s + 1) * 1.3
        return self.lead + name + max(left, right) * self.lead + 2 * PAD

    def declaration_lines(self) -> list[str]:
        return [
            line
            for text in c.declarations(self.doc)
            for line in self.pen.wrap(text, self.s, self.cw - 2 * PAD)
        ]

    def header_height(self, first: bool) -> float:
        height = self.title_height() + self.seller_height() + self.party_height()
        if first:
            declarations = self.declaration_lines()
            if declarations:
                height += len(declarations) * self.lead + 2 * PAD
            if self.doc.irn is not None:
                height += EINVOICE_QR + 2 * PAD
        return height + PAD

    def draw_header(self, first: bool) -> None:
        pen, s = self.pen, self.s
        y = self.height - self.t.margin
        size = self.t.title_size
        label = self.doc.kind.label
        pen.text(self.width / 2, y - size, label, size, bold=True, align="c", colour=self.accent)
        if self.t.copy_label:
            pen.text(self.x1, y - size, self.t.copy_label, s - 1, align="r")
        if c.is_composition(self.doc):
            pen.text(
                self.width / 2, y - size * 1.3 - s, c.COMPOSITION_LEGEND, s, bold=True, align="c"
            )
        y = self.draw_seller(y - self.title_height())
        y = self.draw_party(y)
        if first:
            self.draw_first_page_extras(y)

    def draw_seller(self, y: float) -> float:
        """Seller (Rule 46(a)) and the document's particulars (b), (c), (n), (p)."""
        pen, s, lead = self.pen, self.s, self.lead
        height = self.seller_height()
        split = self.x0 + self.cw * 0.58
        self.canvas.setLineWidth(0.6)
        self.canvas.rect(self.x0, y - height, self.cw, height)
        self.canvas.line(split, y, split, y - height)
        x = self.x0 + PAD
        if self.logo is not None:
            self.canvas.drawImage(
                self.logo, x, y - PAD - LOGO, LOGO, LOGO, preserveAspectRatio=True, mask="auto"
            )
            x += LOGO + PAD
        line_y = y - PAD - (s + 3)
        pen.text(x, line_y, self.head.name, s + 3, bold=True, fit=self.seller_text_width())
        line_y -= (s + 3) * 0.3 + lead
        for row in c.seller_lines(self.head):
            for part in pen.wrap(row, s, self.seller_text_width()):
                pen.text(x, line_y, part, s)
                line_y -= lead
        label_width = max(pen.width(k, s, bold=True) for k, _ in self.detail_rows()) + 6
        line_y = y - PAD - s
        for label, value in self.detail_rows():
            pen.text(split + PAD, line_y, label, s, bold=True)
            room = self.x1 - split - 2 * PAD - label_width
            pen.text(split + PAD + label_width, line_y, value, s, fit=room)
            line_y -= lead
        return y - height

    def draw_party(self, y: float) -> float:
        """Recipient (Rule 46(d), (e)) and the delivery address where it differs (o)."""
        pen, s, lead = self.pen, self.s, self.lead
        height = self.party_height()
        party = self.doc.counterparty
        self.canvas.rect(self.x0, y - height, self.cw, height)
        half = self.cw / 2
        blocks = [("Bill to", party.name, c.party_lines(party, self.doc))]
        shipping = c.shipping_lines(party)
        if shipping:
            blocks.append(("Ship to", party.name, shipping))
            self.canvas.line(self.x0 + half, y, self.x0 + half, y - height)
        for index, (label, name, rows) in enumerate(blocks):
            x = self.x0 + index * half + PAD
            line_y = y - PAD - s
            pen.text(x, line_y, label, s - 0.5, bold=True, colour=self.accent)
            line_y -= (s + 1) * 1.3
            pen.text(x, line_y, name, s + 1, bold=True, fit=half - 2 * PAD)
            line_y -= lead
            for row in rows:
                for part in pen.wrap(row, s, half - 2 * PAD):
                    pen.text(x, line_y, part, s)
                    line_y -= lead
        return y - height

    def draw_first_page_extras(self, y: float) -> float:
        pen, s, lead = self.pen, self.s, self.lead
        declarations = self.declaration_lines()
        if declarations:
            height = len(declarations) * lead + 2 * PAD
            self.canvas.rect(self.x0, y - height, self.cw, height)
            line_y = y - PAD - s
            for line in declarations:
                pen.text(self.x0 + PAD, line_y, line, s)
                line_y -= lead
            y -= height
        irn = self.doc.irn
        if irn is not None:
            height = EINVOICE_QR + 2 * PAD
            self.canvas.rect(self.x0, y - height, self.cw, height)
            line_y = y - PAD - s - 2
            pen.text(self.x0 + PAD, line_y, "e-Invoice", s + 1, bold=True)
            rows = (("IRN", irn.irn), ("Ack No.", irn.ack_no), ("Ack Date", c.day(irn.ack_date)))
            room = self.cw - EINVOICE_QR - 2 * PAD - 60
            for label, value in rows:
                line_y -= lead * 1.2
                pen.text(self.x0 + PAD, line_y, label, s, bold=True)
                pen.text(self.x0 + PAD + 56, line_y, value, s, fit=room)
            draw_qr(
                self.canvas,
                irn.signed_qr,
                self.x1 - PAD - EINVOICE_QR,
                y - height + PAD,
                EINVOICE_QR,
            )
            y -= height
        return y

    def draw_footer(self, number: int, pages: int) -> None:
        y = self.t.margin + 2
        self.pen.text(self.x0, y, self.t.footer, self.s - 1)
        self.pen.text(self.x1, y, f"Page {number} of {pages}", self.s - 1, align="r")

    # Tables --------------------------------------------------------------------------------

    def add_table(self, name: str, columns: list[Column], heading_title: str = "") -> None:
        grouped = any(col.group for col in columns)
        rows = 2 if grouped or any("\n" in col.title for col in columns) else 1
        title_height = self.lead + PAD if heading_title else 0.0
        row_height = self.tlead + 2
        height = title_height + rows * row_height

        def draw_heading(y: float) -> None:
            pen, ts = self.pen, self.ts
            if heading_title:
                pen.text(self.x0, y - PAD - self.s, heading_title, self.s, bold=True)
                y -= title_height
            self.canvas.setFillColor(self.tint)
            self.canvas.rect(
                self.x0, y - rows * row_height, self.cw, rows * row_height, stroke=0, fill=1
            )
            self.canvas.setFillColor(BLACK)
            x = self.x0
            done: set[str] = set()
            for col in columns:
                middle = x + col.width / 2
                if col.group:
                    if col.group not in done:
                        span = sum(k.width for k in columns if k.group == col.group)
                        pen.text(x + span / 2, y - 2 - ts, col.group, ts, bold=True, align="c")
                        done.add(col.group)
                    pen.text(middle, y - row_height - 2 - ts, col.title, ts, bold=True, align="c")
                else:
                    parts = col.title.split("\n")
                    base = y - (rows * row_height - len(parts) * self.tlead) / 2 - ts
                    for part in parts:
                        pen.text(middle, base, part, ts, bold=True, align="c", fit=col.width - 2)
                        base -= self.tlead
                x += col.width
            self.canvas.line(self.x0, y - rows * row_height, self.x1, y - rows * row_height)
            if grouped:
                x = self.x0
                for index, col in enumerate(columns):
                    if col.group and (index == 0 or columns[index - 1].group != col.group):
                        span = sum(k.width for k in columns if k.group == col.group)
                        self.canvas.line(x, y - row_height, x + span, y - row_height)
                    x += col.width

        self.tables[name] = Table(columns, height, title_height, row_height, draw_heading)

    def draw_frame(self, table: Table, top: float, bottom: float) -> None:
        canvas = self.canvas
        canvas.setLineWidth(0.6)
        top -= table.title_height
        canvas.rect(self.x0, bottom, self.cw, top - bottom)
        x = self.x0
        for index, col in enumerate(table.columns[:-1]):
            x += col.width
            following = table.columns[index + 1]
            inside = col.group and following.group == col.group
            canvas.line(x, top - (table.row_height if inside else 0), x, bottom)

    def row_band(self, table: str, cells: list[str], bold: bool = False) -> Band:
        """One table row; left-aligned cells wrap, figures shrink to fit their column."""
        columns = self.tables[table].columns
        ts, pen = self.ts, self.pen
        wrapped = [
            pen.wrap(text, ts, col.width - 4, bold) if col.align == "l" and text else [text]
            for col, text in zip(columns, cells, strict=True)
        ]
        height = max(len(x) for x in wrapped) * self.tlead + (4 if bold else 3)

        def draw(y: float) -> None:
            if bold:  # the total row, ruled off
                self.canvas.line(self.x0, y, self.x1, y)
            x = self.x0
            base = y - 1.5 - ts
            for col, lines in zip(columns, wrapped, strict=True):
                if col.align == "l":
                    line_y = base
                    for part in lines:
                        pen.text(x + 2, line_y, part, ts, bold)
                        line_y -= self.tlead
                elif col.align == "r":
                    pen.text(x + col.width - 2, base, lines[0], ts, bold, "r", col.width - 4)
                else:
                    pen.text(x + col.width / 2, base, lines[0], ts, bold, "c", col.width - 4)
                x += col.width

        return Band(height, draw, table)

    def line_columns(self) -> list[Column]:
        k = self.ts / 7.5
        doc = self.doc
        inclusive = any(x.price_includes_tax for x in doc.lines)
        discount = self.t.shows("discount") and any(x.discount for x in doc.lines)
        columns = [
            Column("#", 14 * k, "c", lambda x: str(x.line_no)),
            Column("Description", 0, "l", lambda x: x.description, total="Total"),
            Column("HSN/SAC", 40 * k, "c", lambda x: x.hsn),
            Column("Qty", 50 * k, "r", lambda x: f"{c.quantity(x.qty)} {x.uqc}"),
            Column(
                "Rate",
                48 * k,
                "r",
                lambda x: c.amount(x.unit_price) + ("*" if x.price_includes_tax else ""),
            ),
        ]
        if inclusive:
            columns[-1] = Column("Rate*", columns[-1].width, "r", columns[-1].cell)
        if discount:
            total = sum((x.discount for x in doc.lines), ZERO)
            columns.append(
                Column(
                    "Disc.", 40 * k, "r", lambda x: c.blank_zero(x.discount), total=c.amount(total)
                )
            )
        value_title = "Taxable\nValue" if self.heads else "Value"
        columns.append(
            Column(
                value_title, 56 * k, "r", lambda x: c.amount(x.taxable), total=c.amount(doc.taxable)
            )
        )
        for head in self.heads:
            columns.append(Column("Rate", 24 * k, "r", head.rate_text, head.label))
            columns.append(
                Column("Amount", 46 * k, "r", head.amount_text, head.label, c.amount(head.total))
            )
        if self.t.shows("line_total") and self.heads:
            total = doc.taxable + doc.total_tax
            columns.append(
                Column("Total", 56 * k, "r", lambda x: c.amount(x.total), total=c.amount(total))
            )
        fixed = sum(col.width for col in columns)
        if self.cw - fixed < 90 * k and columns[-1].title == "Total":
            fixed -= columns.pop().width  # the description needs the room more
        columns[1] = Column("Description", self.cw - fixed, "l", columns[1].cell, total="Total")
        return columns

    def line_bands(self) -> list[Band]:
        columns = self.line_columns()
        self.add_table("lines", columns)
        bands = [self.row_band("lines", [col.cell(x) for col in columns]) for x in self.doc.lines]
        bands.append(self.row_band("lines", [col.total for col in columns], bold=True))
        return bands

    def hsn_bands(self) -> list[Band]:
        k = self.ts / 7.5
        columns = [
            Column("HSN/SAC", 0, "l", lambda x: ""),
            Column("Taxable\nValue", 64 * k, "r", lambda x: ""),
        ]
        for head in self.heads:
            columns += [
                Column("Rate", 30 * k, "r", lambda x: "", head.label),
                Column("Amount", 56 * k, "r", lambda x: "", head.label),
            ]
        columns.append(Column("Total\nTax", 64 * k, "r", lambda x: ""))
        fixed = sum(col.width for col in columns)
        columns[0] = Column("HSN/SAC", self.cw - fixed, "l", columns[0].cell)
        self.add_table("hsn", columns, "HSN/SAC-wise tax summary")
        bands = []
        for row in c.hsn_rows(self.doc):
            cells = [row.hsn, c.amount(row.taxable)]
            for head in self.heads:
                tax = sum((head.amount(x) for x in row.lines), ZERO)
                shown = bool(tax) or not head.blank(row.lines[0])
                cells += [head.rate_text(row.lines[0]), c.amount(tax) if shown else ""]
            cells.append(c.amount(row.tax))
            bands.append(self.row_band("hsn", cells))
        totals = ["Total", c.amount(self.doc.taxable)]
        for head in self.heads:
            totals += ["", c.amount(head.total)]
        totals.append(c.amount(self.doc.total_tax))
        bands.append(self.row_band("hsn", totals, bold=True))
        return bands

    # Totals and closing ------------------------------------------------------------------

    def totals_rows(self) -> list[tuple[str, str]]:
        doc = self.doc
        rows = [("Taxable Value" if self.heads else "Total Value", c.amount(doc.taxable))]
        rows += [(head.label, c.amount(head.total)) for head in self.heads]
        rows.append(("Round Off", c.signed(doc.round_off)))
        return rows

    def totals_band(self) -> Band:
        pen, s, lead, doc = self.pen, self.s, self.lead, self.doc
        box = 190.0
        words_width = self.cw - box - 3 * PAD
        words = pen.wrap(amount_in_words(doc.grand_total), s, words_width, bold=True)
        bill_of_supply = doc.kind is DocKind.BILL_OF_SUPPLY and not self.heads
        notes = [] if bill_of_supply else [c.reverse_charge_line(doc)]
        if doc.reverse_charge and doc.total_tax:
            notes.append(
                "Tax of "
                + self.fonts.money(c.amount(doc.total_tax))
                + " is payable by the recipient under reverse charge."
            )
        if any(x.price_includes_tax for x in doc.lines):
            notes.append(c.INCLUSIVE_NOTE)
        note_lines = [part for note in notes for part in pen.wrap(note, s, words_width)]
        rows = self.totals_rows()
        grand = (s + 2) * 1.5
        left = lead * (1 + len(words) + len(note_lines)) + lead * 0.5
        height = max(left, len(rows) * lead + grand) + 2 * PAD + 4

        def draw(y: float) -> None:
            y -= 4
            line_y = y - PAD - s
            pen.text(self.x0 + PAD, line_y, "Amount in words", s - 0.5)
            for part in words:
                line_y -= lead
                pen.text(self.x0 + PAD, line_y, part, s, bold=True)
            line_y -= lead * 0.5
            for part in note_lines:
                line_y -= lead
                pen.text(self.x0 + PAD, line_y, part, s)
            left_x = self.x1 - box
            line_y = y - PAD - s
            for label, value in rows:
                pen.text(left_x + PAD, line_y, label, s)
                pen.text(self.x1 - PAD, line_y, value, s, align="r")
                line_y -= lead
            top = line_y + lead - s * 0.4 - 2
            self.canvas.setFillColor(self.tint)
            self.canvas.rect(left_x, top - grand, box, grand, stroke=0, fill=1)
            self.canvas.setFillColor(BLACK)
            self.canvas.line(left_x, top, self.x1, top)
            base = top - grand / 2 - (s + 2) * 0.35
            pen.text(left_x + PAD, base, "Grand Total", s + 2, bold=True)
            pen.text(
                self.x1 - PAD,
                base,
                self.fonts.money(c.amount(doc.grand_total)),
                s + 2,
                bold=True,
                align="r",
            )
            self.canvas.rect(left_x, top - grand, box, y - (top - grand))

        return Band(height, draw)

    def closing_band(self) -> Band:
        pen, s, lead, head = self.pen, self.s, self.lead, self.head
        signature = 170.0
        qr = UPI_QR + 2 * PAD if self.link else 0.0
        width = self.cw - signature - qr - 2 * PAD
        blocks: list[tuple[str, list[str]]] = []
        if self.t.bank and head.bank is not None:
            blocks.append(
                ("Bank details", [p for row in head.bank.lines() for p in pen.wrap(row, s, width)])
            )
        if self.t.terms and head.terms:
            rows = [f"{n}. {term}" for n, term in enumerate(head.terms, start=1)]
            blocks.append(
                ("Terms and conditions", [p for row in rows for p in pen.wrap(row, s - 0.5, width)])
            )
        declaration = pen.wrap(
            "Certified that the particulars given above are true and correct.", s - 0.5, width
        )
        left = sum(lead * (1 + len(rows)) + 2 for _, rows in blocks) + len(declaration) * lead
        qr_height = UPI_QR + 2 * lead if self.link else 0.0
        height = max(left, qr_height, s * 1.3 + 44 + lead) + 2 * PAD + 6

        def draw(y: float) -> None:
            y -= 6
            line_y = y - PAD - s
            for title, rows in blocks:
                pen.text(self.x0 + PAD, line_y, title, s, bold=True)
                for row in rows:
                    line_y -= lead
                    pen.text(
                        self.x0 + PAD, line_y, row, s - 0.5 if title.startswith("Terms") else s
                    )
                line_y -= lead + 2
            for row in declaration:
                pen.text(self.x0 + PAD, line_y, row, s - 0.5)
                line_y -= lead
            if self.link:
                x = self.x1 - signature - qr
                draw_qr(self.canvas, self.link, x, y - UPI_QR - PAD, UPI_QR)
                caption = "Scan to pay " + self.fonts.money(c.amount(self.doc.grand_total))
                pen.text(x + UPI_QR / 2, y - UPI_QR - PAD - s, caption, s - 1, align="c", fit=qr)
                pen.text(
                    x + UPI_QR / 2,
                    y - UPI_QR - PAD - s - lead,
                    f"UPI: {head.upi_id}",
                    s - 1.5,
                    align="c",
                    fit=qr,
                )
            sx = self.x1 - signature
            self.canvas.rect(sx, y - height + 6, signature, height - 6)
            pen.text(
                self.x1 - PAD,
                y - PAD - s,
                head.signature_line,
                s,
                bold=True,
                align="r",
                fit=signature - 2 * PAD,
            )
            pen.text(self.x1 - PAD, y - height + 6 + PAD + 2, head.signatory, s, align="r")

        return Band(height, draw)


def draw_page_invoice(
    doc: PostedDocument, head: Letterhead, template: InvoiceTemplate, out: BinaryIO
) -> None:
    PageInvoice(doc, head, template, out).render()
