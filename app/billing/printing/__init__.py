"""Printed documents as PDF: the A4 tax invoice, the 80 mm receipt, and batch export.

Everything printed comes from a ``PostedDocument`` as the books keep it, so the paper, the
returns and the ledger agree; nothing here recomputes tax. The look comes from a template in
resources/invoice_templates/ (``load_template``), the seller's particulars from a
``Letterhead``.

    head = letterhead_from(company.profile, phone="98200 12345", upi_id="shop@okaxis")
    invoice_pdf(doc, head, load_template("classic"), Path("INV-0001.pdf"))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from app.billing.model import PostedDocument
from app.billing.printing.drawing import write_pdf
from app.billing.printing.letterhead import BankDetails, Letterhead, letterhead_from, upi_url
from app.billing.printing.page import draw_page_invoice
from app.billing.printing.receipt import draw_receipt
from app.billing.printing.templates import (
    InvoiceTemplate,
    Layout,
    load_template,
    template_names,
)
from app.errors import ValidationError

RECEIPT_TEMPLATE = "thermal"


def invoice_pdf(
    doc: PostedDocument, head: Letterhead, template: InvoiceTemplate, out: Path | BinaryIO
) -> None:
    """Print ``doc`` with ``template`` into a file path or an open binary stream.

    A receipt template prints the thermal layout, so a company's chosen template works for
    every print command.
    """
    if template.layout is Layout.RECEIPT:
        write_pdf(out, lambda stream: draw_receipt(doc, head, template, stream))
    else:
        write_pdf(out, lambda stream: draw_page_invoice(doc, head, template, stream))


def receipt_pdf(
    doc: PostedDocument,
    head: Letterhead,
    out: Path | BinaryIO,
    template: InvoiceTemplate | None = None,
) -> None:
    """The counter receipt for an 80 mm thermal printer (page height fitted to the bill)."""
    chosen = template or load_template(RECEIPT_TEMPLATE)
    if chosen.layout is not Layout.RECEIPT:
        raise ValidationError(
            f"Template {chosen.name!r} is for cut sheets; choose a receipt template "
            f"such as {RECEIPT_TEMPLATE!r}."
        )
    write_pdf(out, lambda stream: draw_receipt(doc, head, chosen, stream))


def pdf_file_name(number: str) -> str:
    """A file name for a document number: INV/25-26/0001 -> INV-25-26-0001.pdf."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.")
    return f"{safe or 'document'}.pdf"


def export_pdfs(
    docs: Iterable[PostedDocument],
    head: Letterhead,
    template: InvoiceTemplate,
    folder: Path,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """One PDF per document in ``folder``; each file is written whole. Returns the paths.

    Numbers are unique per series and year, but two series can make the same file name
    (INV/1 and INV-1): the later one gets the document kind added, then a counter.
    ``progress`` hears the count written after each file; raising from it stops the batch
    (the files already written stay).
    """
    if not folder.is_dir():
        raise ValidationError(f"The folder {folder} does not exist. Choose another folder.")
    written: list[Path] = []
    taken: set[str] = set()
    for doc in docs:
        name = pdf_file_name(doc.number)
        if name.lower() in taken:
            name = f"{name[:-4]}-{doc.kind.value}.pdf"
        count = 2
        base = name[:-4]
        while name.lower() in taken:
            name = f"{base}-{count}.pdf"
            count += 1
        taken.add(name.lower())
        path = folder / name
        invoice_pdf(doc, head, template, path)
        written.append(path)
        if progress is not None:
            progress(len(written))
    return written


__all__ = [
    "BankDetails",
    "InvoiceTemplate",
    "Layout",
    "Letterhead",
    "export_pdfs",
    "invoice_pdf",
    "letterhead_from",
    "load_template",
    "pdf_file_name",
    "receipt_pdf",
    "template_names",
    "upi_url",
]
