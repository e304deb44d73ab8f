"""Read a bill file into fields: page by page, text layer first, OCR where there is none.

``read_document`` is the one entry point. It streams pages (one open page at a time) and
reads at most ``max_pages`` of them: a bill is a few pages; a 200-page file is most likely
a statement or a scan batch, and its first pages are read with a problem saying so. Progress
goes to a plain callback after each page and a cancel check runs before each page, so the
desktop program can wrap both in its background runner.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from app.documents import fields as extract
from app.documents import ocr
from app.documents.arithmetic import settle_amounts
from app.documents.einvoice_qr import (
    QR_DPI,
    decode_qr,
    einvoice_fields,
    einvoice_payload,
    find_qr,
)
from app.documents.layout import page_rows
from app.documents.line_items import line_items
from app.documents.model import (
    FIELD_NAMES,
    CancelCheck,
    EInvoice,
    EmptyDocument,
    Field,
    PageText,
    Problem,
    Progress,
    ReadCancelled,
    Reading,
    TextSource,
    no_progress,
)
from app.documents.pages import (
    FileKind,
    file_kind,
    image_frame_count,
    image_frames,
    open_image,
    open_pdf,
    render_pdf_page,
)
from app.documents.text_layer import has_text, may_hold_qr, page_words

log = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 20
OCR_DPI = 300


def read_document(
    path: Path | str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    progress: Progress = no_progress,
    cancel: CancelCheck | None = None,
    ocr_lang: str | None = None,
) -> Reading:
    """Everything Bahi can read from one PDF or image file; raises DocumentError on a bad file."""
    path = Path(path)
    kind = file_kind(path)
    if kind is FileKind.PDF:
        page_count, pages = _read_pdf(path, max_pages, progress, cancel, ocr_lang)
    else:
        page_count, pages = _read_image(path, max_pages, progress, cancel, ocr_lang)
    if not any(page.words for page in pages) and not any(page.qr_texts for page in pages):
        raise EmptyDocument(
            f"No text was found in {path.name}: the pages are blank or too faint to read; "
            "scan it again at 300 dpi."
        )
    reading = extract_reading(path.name, page_count, pages)
    if page_count > len(pages):
        note = Problem(
            f"{path.name} has {page_count} pages; only the first {len(pages)} were read "
            "(a bill is rarely longer; raise the page limit to read more)."
        )
        reading = Reading(
            reading.file_name,
            reading.page_count,
            reading.pages,
            reading.fields,
            reading.lines,
            (note, *reading.problems),
            reading.einvoice,
        )
    return reading


def _check(cancel: CancelCheck | None) -> None:
    if cancel is not None and cancel():
        raise ReadCancelled("Reading was cancelled; nothing was kept.")


def _ocr_page(number: int, image: Image.Image, lang: str | None) -> PageText:
    started = time.perf_counter()
    upright = ocr.straighten(image)
    codes = find_qr(upright)
    qr_texts = tuple(code.text for code in codes) or decode_qr(image)
    cleaned = ocr.remove_rules(ocr.blank(upright, tuple(code.box for code in codes)))
    words = ocr.read_words(cleaned, lang=lang)
    return PageText(
        number,
        TextSource.OCR,
        words,
        aspect=cleaned.height / cleaned.width,
        qr_texts=qr_texts,
        seconds=time.perf_counter() - started,
    )


def _read_pdf(
    path: Path,
    max_pages: int,
    progress: Progress,
    cancel: CancelCheck | None,
    lang: str | None,
) -> tuple[int, list[PageText]]:
    pages: list[PageText] = []
    with open_pdf(path) as pdf:
        page_count = len(pdf.pages)
        if page_count == 0:
            raise EmptyDocument(f"{path.name} has no pages; download or scan it again.")
        total = min(page_count, max_pages)
        for index in range(total):
            progress(index, total, f"reading page {index + 1} of {total}")
            _check(cancel)
            started = time.perf_counter()
            page = pdf.pages[index]
            try:
                words = page_words(page)
                aspect = float(page.height) / float(page.width)
                qr_possible = may_hold_qr(page)
            except Exception as exc:  # pdfminer raises many kinds on damaged content streams
                log.info("page %d of %s has a damaged text layer: %r", index + 1, path.name, exc)
                words, aspect, qr_possible = (), 1.414, True
            finally:
                page.close()  # frees the page's parsed objects: pages stream through
            if has_text(words):
                qr_texts = decode_qr(render_pdf_page(path, index, QR_DPI)) if qr_possible else ()
                pages.append(
                    PageText(
                        index + 1,
                        TextSource.TEXT_LAYER,
                        words,
                        aspect=aspect,
                        qr_texts=qr_texts,
                        seconds=time.perf_counter() - started,
                    )
                )
            else:
                progress(index, total, f"OCR of page {index + 1} of {total}")
                pages.append(_ocr_page(index + 1, render_pdf_page(path, index, OCR_DPI), lang))
        progress(total, total, "done")
    return page_count, pages


def _read_image(
    path: Path,
    max_pages: int,
    progress: Progress,
    cancel: CancelCheck | None,
    lang: str | None,
) -> tuple[int, list[PageText]]:
    pages: list[PageText] = []
    with open_image(path) as image:
        page_count = image_frame_count(image)
        total = min(page_count, max_pages)
        for index, frame in enumerate(image_frames(image, total, path.name)):
            progress(index, total, f"OCR of page {index + 1} of {total}")
            _check(cancel)
            pages.append(_ocr_page(index + 1, frame, lang))
        progress(total, total, "done")
    return page_count, pages


def extract_reading(file_name: str, page_count: int, pages: Iterable[PageText]) -> Reading:
    """Fields, items and problems from pages already read (pure: no files, no OCR)."""
    pages = tuple(pages)
    rows = tuple(row for page in pages for row in page_rows(page))
    doc = extract.Document(pages, rows)
    problems: list[Problem] = []
    found: list[Field] = []

    gstin_fields, gstin_problems = extract.gstins(doc)
    found.extend(gstin_fields)
    problems.extend(gstin_problems)
    supplier_gstin = next((f for f in gstin_fields if f.name == "supplier_gstin"), None)
    for single in (
        extract.supplier_name(doc, supplier_gstin),
        extract.invoice_number(doc),
        extract.invoice_date(doc),
        extract.place_of_supply(doc),
        extract.currency(doc, bool(gstin_fields)),
    ):
        if single is not None:
            found.append(single)
    lines = line_items(doc)
    amount_fields, amount_problems = settle_amounts(doc, extract.amount_candidates(doc), lines)
    found.extend(amount_fields)
    problems.extend(amount_problems)

    einvoice: EInvoice | None = None
    for page in pages:
        for text in page.qr_texts:
            payload = einvoice_payload(text)
            if payload is None:
                continue
            qr_fields, einvoice, qr_problems = einvoice_fields(payload, page.number)
            problems.extend(qr_problems)
            found, disagreements = _prefer_qr(found, qr_fields)
            problems.extend(disagreements)
            break
        if einvoice is not None:
            break
    for name in ("invoice_number", "invoice_date", "supplier_gstin"):
        if all(f.name != name for f in found):
            problems.append(Problem(f"No {name.replace('_', ' ')} was found on the bill.", name))
    order = {name: i for i, name in enumerate(FIELD_NAMES)}
    found.sort(key=lambda f: order.get(f.name, len(order)))
    return Reading(
        file_name, page_count, pages, tuple(found), tuple(lines), tuple(problems), einvoice
    )


def _prefer_qr(found: list[Field], qr_fields: list[Field]) -> tuple[list[Field], list[Problem]]:
    """The signed payload wins; a printed value that differs from it is a problem."""
    problems = []
    by_name = {f.name: f for f in found}
    for qr in qr_fields:
        printed = by_name.get(qr.name)
        if printed is not None and printed.value != qr.value:
            problems.append(
                Problem(
                    f"The printed {qr.name.replace('_', ' ')} reads {printed.value}, the e-invoice "
                    f"QR says {qr.value}; the QR's value is used.",
                    qr.name,
                )
            )
        region = printed.region if printed is not None and printed.value == qr.value else None
        by_name[qr.name] = Field(qr.name, qr.value, 1.0, qr.source, region)
    return list(by_name.values()), problems
