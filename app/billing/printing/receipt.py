"""The counter receipt on an 80 mm thermal roll: 72 mm printable, as long as the bill.

The same particulars and figures as the A4 invoice, one column: the seller, the document's
number, date and place of supply, each line, the totals per tax head, the amount in words,
the tax summary per rate, the reverse-charge statement, the QR codes and the signatory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from app.billing.model import DocKind, PostedDocument
from app.billing.printing import content as c
from app.billing.printing.drawing import Measure, Pen, logo_image, new_canvas
from app.billing.printing.fonts import fonts_for
from app.billing.printing.letterhead import Letterhead
from app.billing.printing.qr import draw_qr
from app.billing.printing.templates import MM, InvoiceTemplate
from app.money import ZERO, amount_in_words

TOP = 4 * MM  # paper fed above the first line and left below the last
LOGO = 36.0

Step = tuple[float, Callable[[float], None]]  # height, and how to draw it with its top at y


class Receipt:
    def __init__(
        self, doc: PostedDocument, head: Letterhead, template: InvoiceTemplate, out: BinaryIO
    ) -> None:
        c.check_document(doc)
        self.doc, self.head, self.t, self.out = doc, head, template, out
        self.fonts = fonts_for(template.font)
        self.x0 = template.margin
        self.width = template.content_width
        self.x1 = self.x0 + self.width
        self.middle = template.page_width / 2
        self.s = template.base_size
        self.ts = template.table_size
        self.lead = self.s * 1.25
        self.heads = c.tax_heads(doc)
        self.logo = logo_image(head.logo) if template.logo and head.logo is not None else None
        self.link = c.payment_link(doc, head) if template.upi_qr else None
        self.steps: list[Step] = []
        self.measure = Measure(self.fonts)
        self.pen: Pen  # bound to the canvas once the page height is known

    # Building blocks -------------------------------------------------------------------

    def lines(self, texts: list[str], size: float, bold: bool = False, align: str = "l") -> None:
        """Wrapped text, left or centred; one step per printed line."""
        measure = self.measure
        for text in texts:
            for part in measure.wrap(text, size, self.width, bold):
                self.steps.append((size * 1.25, self._text(part, size, bold, align)))

    def _text(self, text: str, size: float, bold: bool, align: str) -> Callable[[float], None]:
        x = {"l": self.x0, "c": self.middle, "r": self.x1}[align]
        return lambda y: self.pen.text(x, y - size, text, size, bold, align, self.width)

    def pair(self, left: str, right: str, size: float | None = None, bold: bool = False) -> None:
        size = size or self.s
        room = self.width - self.measure.width(right, size, bold) - 4

        def draw(y: float) -> None:
            self.pen.text(self.x0, y - size, left, size, bold, fit=room)
            self.pen.text(self.x1, y - size, right, size, bold, "r")

        self.steps.append((size * 1.3, draw))

    def columns(self, cells: list[tuple[str, float, str]], size: float, bold: bool = False) -> None:
        """One row of cells: (text, right edge as a share of the width, align)."""

        def draw(y: float) -> None:
            left = self.x0
            for text, edge, align in cells:
                right = self.x0 + edge * self.width
                x = left if align == "l" else right
                self.pen.text(x, y - size, text, size, bold, align, right - left - 2)
                left = right

        self.steps.append((size * 1.3, draw))

    def rule(self, dashed: bool = True) -> None:
        def draw(y: float) -> None:
            canvas = self.pen.canvas
            canvas.saveState()
            canvas.setLineWidth(0.5)
            if dashed:
                canvas.setDash(2, 2)
            canvas.line(self.x0, y - 2.5, self.x1, y - 2.5)
            canvas.restoreState()

        self.steps.append((5.0, draw))

    def gap(self, height: float) -> None:
        self.steps.append((height, lambda y: None))

    def qr(self, text: str, size: float) -> None:
        self.steps.append(
            (size, lambda y: draw_qr(self.pen.canvas, text, self.middle - size / 2, y - size, size))
        )

    # The receipt ---------------------------------------------------------------------------

    def build(self) -> None:
        self.letterhead()
        self.particulars()
        self.items()
        self.totals()
        self.closing()

    def letterhead(self) -> None:
        head, s = self.head, self.s
        if self.logo is not None:
            self.steps.append((LOGO + 2, self._draw_logo))
        self.lines([head.name], s + 2.5, bold=True, align="c")
        self.lines(list(c.seller_lines(head)), s - 0.5, align="c")
        self.rule(dashed=False)

    def _draw_logo(self, y: float) -> None:
        assert self.logo is not None
        self.pen.canvas.drawImage(
            self.logo,
            self.middle - LOGO / 2,
            y - LOGO,
            LOGO,
            LOGO,
            preserveAspectRatio=True,
            mask="auto",
        )

    def particulars(self) -> None:
        """Title, number, date, place of supply and the customer (Rule 46(b)-(e), (n))."""
        doc, s = self.doc, self.s
        self.lines([doc.kind.label], self.t.title_size, bold=True, align="c")
        if c.is_composition(doc):
            self.lines([c.COMPOSITION_LEGEND], s - 0.5, bold=True, align="c")
        if self.t.copy_label:
            self.lines([self.t.copy_label], s - 1, align="c")
        details = c.detail_rows(doc)
        self.pair(f"{details[0][0]} {details[0][1]}", f"Date {details[1][1]}", bold=True)
        for label, value in details[2:]:
            if label != "Reverse Charge":  # said in full after the totals
                self.lines([f"{label}: {value}"], s - 0.5)
        party = doc.counterparty
        self.lines([f"Customer: {party.name}"], s, bold=True)
        self.lines(list(c.party_lines(party, doc)), s - 0.5)
        shipping = c.shipping_lines(party)
        if shipping:
            self.lines(["Ship to: " + ", ".join(shipping)], s - 0.5)
        self.lines(list(c.declarations(doc)), s - 0.5)
        if doc.irn is not None:
            irn = doc.irn
            ack = f"Ack No.: {irn.ack_no}   Ack Date: {c.day(irn.ack_date)}"
            self.lines([f"IRN: {irn.irn}", ack], s - 1)

    def items(self) -> None:
        """Each line: the description, then HSN, quantity x rate and the line's value."""
        ts = self.ts
        self.rule()
        titles = [("Item / HSN", 0.5, "l"), ("Qty x Rate", 0.78, "r"), ("Value", 1.0, "r")]
        self.columns(titles, ts, bold=True)
        self.rule()
        show_discount = self.t.shows("discount")
        for line in self.doc.lines:
            self.lines([f"{line.line_no}. {line.description}"], ts)
            rate = c.amount(line.unit_price) + ("*" if line.price_includes_tax else "")
            gst = f" GST {c.percent(line.gst_rate)}" if self.heads else ""
            cells = [
                (f"{line.hsn}{gst}", 0.5, "l"),
                (f"{c.quantity(line.qty)} {line.uqc} x {rate}", 0.78, "r"),
                (c.amount(line.taxable), 1.0, "r"),
            ]
            self.columns(cells, ts)
            if show_discount and line.discount:
                pct, off = c.percent(line.discount_pct), c.amount(line.discount)
                self.lines([f"   value after {pct} discount of {off}"], ts - 0.5)
        if any(x.price_includes_tax for x in self.doc.lines):
            self.lines([c.INCLUSIVE_NOTE], ts - 0.5)
        self.rule()

    def totals(self) -> None:
        """Tax per head, round-off, the grand total in figures and words, reverse charge."""
        doc, s, money = self.doc, self.s, self.fonts.money
        self.pair("Taxable Value" if self.heads else "Total Value", c.amount(doc.taxable))
        for head in self.heads:
            self.pair(head.label, c.amount(head.total))
        self.pair("Round Off", c.signed(doc.round_off))
        self.rule(dashed=False)
        self.pair("Grand Total", money(c.amount(doc.grand_total)), s + 2.5, bold=True)
        self.rule(dashed=False)
        self.lines([amount_in_words(doc.grand_total)], s - 0.5, bold=True)
        if self.t.hsn_summary and self.heads:
            self.tax_summary()
        if self.heads or doc.kind is not DocKind.BILL_OF_SUPPLY:
            self.lines([c.reverse_charge_line(doc)], s - 0.5)
        if doc.reverse_charge and doc.total_tax:
            tax = money(c.amount(doc.total_tax))
            self.lines([f"Tax of {tax} is payable by the recipient."], s - 0.5)

    def closing(self) -> None:
        """The QR codes, terms, the signatory (Rule 46(q)) and the footer."""
        doc, head, s, money = self.doc, self.head, self.s, self.fonts.money
        if self.link:
            self.gap(4)
            self.qr(self.link, 96.0)
            self.lines(
                [f"Scan to pay {money(c.amount(doc.grand_total))} by UPI", head.upi_id],
                s - 1,
                align="c",
            )
        if doc.irn is not None:
            self.gap(4)
            self.qr(doc.irn.signed_qr, min(self.width, 170.0))
            self.lines(["e-Invoice QR"], s - 1, align="c")
        if self.t.terms and head.terms:
            self.rule()
            self.lines([f"{n}. {term}" for n, term in enumerate(head.terms, 1)], s - 1.5)
        self.gap(6)
        self.lines([head.signature_line], s - 0.5, bold=True, align="r")
        self.gap(18)
        self.lines([head.signatory], s - 0.5, align="r")
        if self.t.footer:
            self.rule()
            self.lines([self.t.footer], s - 0.5, align="c")

    def tax_summary(self) -> None:
        """Tax per rate, compact (the A4 HSN summary would not fit 72 mm)."""
        ts = self.ts - 0.5
        heads = self.heads
        share = 0.64 / max(1, len(heads))
        edges = [0.16, 0.36] + [0.36 + share * (n + 1) for n in range(len(heads))]
        self.rule()
        titles = ["GST%", "Taxable"] + [h.label for h in heads]
        self.columns(
            [
                (t, e, "l" if i == 0 else "r")
                for i, (t, e) in enumerate(zip(titles, edges, strict=True))
            ],
            ts,
            bold=True,
        )
        for row in self.doc.rate_summary():
            at_rate = [x for x in self.doc.lines if x.gst_rate == row.gst_rate]
            cells = [c.percent(row.gst_rate), c.amount(row.taxable)]
            cells += [c.amount(sum((h.amount(x) for x in at_rate), ZERO)) for h in heads]
            self.columns(
                [
                    (t, e, "l" if i == 0 else "r")
                    for i, (t, e) in enumerate(zip(cells, edges, strict=True))
                ],
                ts,
            )

    def render(self) -> None:
        self.build()
        height = sum(h for h, _ in self.steps) + 2 * TOP
        canvas = new_canvas(
            self.out,
            (self.t.page_width, height),
            f"{self.doc.kind.label} {self.doc.number}",
            self.head.name,
        )
        self.pen = Pen(canvas, self.fonts)
        if self.doc.cancelled:
            self.pen.watermark("CANCELLED", self.t.page_width, height)
        y = height - TOP
        for step_height, draw in self.steps:
            draw(y)
            y -= step_height
        self.pen.flush()
        canvas.showPage()
        canvas.save()


def draw_receipt(
    doc: PostedDocument, head: Letterhead, template: InvoiceTemplate, out: BinaryIO
) -> None:
    Receipt(doc, head, template, out).render()
