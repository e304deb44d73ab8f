"""Stored bills: import (read, then store in one unit of work), corrections, rejection, and
turning a reviewed bill into a purchase bill through the billing service.

Reading and OCR run before the transaction (DESIGN.md §5: no OCR inside one), so a bad file
raises its ``DocumentError`` with the company untouched. The file's bytes go straight from
memory into BLOB columns of the encrypted database: no copy of a bill is written to disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import Connection, select, text, update

from app.billing import queries as billing_queries
from app.billing.model import PartyDraft, PartyId, PartyKind
from app.billing.parties import add_party_in
from app.billing.service import Posted, post_document_in
from app.documents import queries
from app.documents.bill import BillProposal, bill_draft, proposal_blockers
from app.documents.model import CancelCheck, Progress, ReadCancelled, no_progress
from app.documents.pages import (
    FileKind,
    exif_turned,
    file_kind,
    image_frame_count,
    image_frames,
    open_image,
    open_pdf,
    render_pdf_page,
)
from app.documents.reader import read_document
from app.documents.stored import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_PAGES,
    Imported,
    PageImage,
    PreparedImport,
    StoredDocumentId,
    StoredStatus,
    as_date,
    as_decimal,
    clean_correction,
    effective_fields,
    field_value,
)
from app.documents.tables import (
    DOCUMENT_SEARCH,
    stored_document_files,
    stored_document_pages,
    stored_documents,
)
from app.errors import Conflict, ValidationError
from app.storage.access import Permission, require
from app.storage.company import Company
from app.storage.settings import read_setting, write_setting
from app.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PREVIEW_DPI = 110  # enough to read a bill on screen; about 100-200 KB a page as PNG
_MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Import ------------------------------------------------------------------------------------


def prepare_import(
    path: Path | str,
    *,
    progress: Progress = no_progress,
    cancel: CancelCheck | None = None,
    ocr_lang: str | None = None,
) -> PreparedImport:
    """Read a bill file and draw its pages: everything but the database (slow: OCR)."""
    path = Path(path)
    kind = file_kind(path)  # missing, empty, not a PDF or image: a message here
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise ValidationError(
            f"{path.name} is {size // (1024 * 1024)} MB; a bill is rarely over "
            f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB. Scan it at 300 dpi in grey and try again."
        )
    data = path.read_bytes()
    page_count = _page_count(path, kind)
    if page_count > MAX_IMPORT_PAGES:
        raise ValidationError(
            f"{path.name} has {page_count} pages; Bahi stores bills of at most "
            f"{MAX_IMPORT_PAGES} pages. Split it into its bills and import those."
        )
    # Pages are read, then drawn: two passes of progress over the same pages. (The reader's
    # own total is the pages it reads: all of them, as there are at most MAX_IMPORT_PAGES.)
    steps = page_count * 2

    def reading_progress(done: int, total: int, stage: str) -> None:
        progress(done, steps, stage)

    reading = read_document(
        path,
        max_pages=MAX_IMPORT_PAGES,
        progress=reading_progress,
        cancel=cancel,
        ocr_lang=ocr_lang,
    )
    sources = {page.number: str(page.source) for page in reading.pages}
    pages = []
    for index, image, media_type, raw in _page_pictures(path, kind, data, page_count):
        if cancel is not None and cancel():
            raise ReadCancelled("Import was cancelled; nothing was kept.")
        progress(page_count + index, steps, f"storing page {index + 1} of {page_count}")
        pages.append(
            PageImage(
                index + 1,
                media_type,
                image.width,
                image.height,
                raw,
                sources.get(index + 1, ""),
            )
        )
    progress(steps, steps, "done")
    media = "application/pdf" if kind is FileKind.PDF else _image_media_type(path)
    return PreparedImport(
        source_name=path.name[:255],
        content_hash=content_hash(data),
        data=data,
        kind=kind.value,
        media_type=media,
        reading=reading,
        pages=tuple(pages),
    )


def _image_media_type(path: Path) -> str:
    with open_image(path) as opened:
        name = opened.format or "unknown"
        return _MEDIA_TYPES.get(name, f"image/{name.lower()}")


def _page_count(path: Path, kind: FileKind) -> int:
    if kind is FileKind.PDF:
        with open_pdf(path) as pdf:
            return len(pdf.pages)
    with open_image(path) as image:
        return image_frame_count(image)


def _page_pictures(
    path: Path, kind: FileKind, data: bytes, page_count: int
) -> list[tuple[int, Image.Image, str, bytes]]:
    """(index, image, media type, bytes) per page: PDFs drawn at PREVIEW_DPI as PNG; a
    single JPEG or PNG kept as it came; other images (TIFF frames) as PNG."""
    found = []
    if kind is FileKind.PDF:
        for index in range(page_count):
            image = render_pdf_page(path, index, PREVIEW_DPI)
            found.append((index, image, "image/png", _png(image)))
        return found
    with open_image(path) as opened:
        # A photo tagged as turned is stored upright as PNG: the screen shows it as read.
        keep = page_count == 1 and opened.format in ("JPEG", "PNG") and not exif_turned(opened)
        original_type = _MEDIA_TYPES.get(opened.format or "", "")
        for index, frame in enumerate(image_frames(opened, page_count, path.name)):
            if keep:
                found.append((index, frame, original_type, data))
            else:
                found.append((index, frame, "image/png", _png(frame)))
    return found


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    mode = image.mode if image.mode in ("1", "L", "RGB", "RGBA") else "RGB"
    image.convert(mode).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def import_document(
    company: Company,
    path: Path | str,
    *,
    progress: Progress = no_progress,
    cancel: CancelCheck | None = None,
    ocr_lang: str | None = None,
) -> Imported:
    """Read one file and store it; a file stored before is found by its hash, not re-read."""
    require(company.actor, Permission.POST_VOUCHERS)
    path = Path(path)
    file_kind(path)
    with company.reader() as conn:
        known = queries.by_hash(conn, content_hash(path.read_bytes()))
    if known is not None:
        return Imported(known, path.name, duplicate=True)
    prepared = prepare_import(path, progress=progress, cancel=cancel, ocr_lang=ocr_lang)
    return store_import(company, prepared)


def store_import(company: Company, prepared: PreparedImport) -> Imported:
    """Store a prepared bill: the row, the file, the pages and the search entry, all or none."""
    with company.unit_of_work() as uow:
        imported = store_import_in(uow, prepared)
        uow.commit()
    return imported


def store_import_in(uow: UnitOfWork, prepared: PreparedImport) -> Imported:
    require(uow.actor, Permission.POST_VOUCHERS)
    conn = uow.conn
    known = queries.by_hash(conn, prepared.content_hash)
    if known is not None:
        return Imported(known, prepared.source_name, duplicate=True)
    extracted = prepared.reading.to_json()
    fields = effective_fields(extracted, {})
    result = conn.execute(
        stored_documents.insert().values(
            content_hash=prepared.content_hash,
            source_name=prepared.source_name,
            imported_at=_now(),
            imported_by=uow.actor.username,
            kind=prepared.kind,
            media_type=prepared.media_type,
            byte_size=len(prepared.data),
            page_count=len(prepared.pages),
            status=StoredStatus.DRAFT.value,
            extracted=json.dumps(extracted, ensure_ascii=False, sort_keys=True),
            corrections="{}",
            **_filter_columns(fields),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    doc_id = StoredDocumentId(int(key[0]))
    conn.execute(stored_document_files.insert().values(document_id=doc_id, data=prepared.data))
    if prepared.pages:
        conn.execute(
            stored_document_pages.insert(),
            [
                {
                    "document_id": doc_id,
                    "page_no": page.page_no,
                    "media_type": page.media_type,
                    "width": page.width,
                    "height": page.height,
                    "text_source": page.text_source,
                    "data": page.data,
                }
                for page in prepared.pages
            ],
        )
    body = "\n".join(" ".join(w.text for w in page.words) for page in prepared.reading.pages)
    _write_search_row(conn, doc_id, prepared.source_name, fields, body)
    uow.record(
        "stored_document.import",
        "stored_document",
        doc_id,
        {
            "file": prepared.source_name,
            "sha256": prepared.content_hash,
            "pages": len(prepared.pages),
            "bytes": len(prepared.data),
        },
    )
    problems = tuple(p.message for p in prepared.reading.problems)
    return Imported(doc_id, prepared.source_name, duplicate=False, problems=problems)


def _filter_columns(fields: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "supplier_name": (field_value(fields, "supplier_name") or "")[:200],
        "supplier_gstin": field_value(fields, "supplier_gstin"),
        "invoice_number": (field_value(fields, "invoice_number") or "")[:40],
        "invoice_date": as_date(field_value(fields, "invoice_date")),
        "grand_total": as_decimal(field_value(fields, "grand_total")),
    }


def _search_fields(fields: tuple[Any, ...]) -> str:
    names = ("supplier_name", "supplier_gstin", "buyer_gstin", "invoice_number", "grand_total")
    return " ".join(v for n in names if (v := field_value(fields, n)))


def _write_search_row(
    conn: Connection, doc_id: int, name: str, fields: tuple[Any, ...], body: str | None
) -> None:
    if body is None:  # fields changed: keep the words already indexed
        body = conn.execute(
            text(f"SELECT body FROM {DOCUMENT_SEARCH} WHERE rowid = :id"), {"id": doc_id}
        ).scalar_one_or_none()
    conn.execute(text(f"DELETE FROM {DOCUMENT_SEARCH} WHERE rowid = :id"), {"id": doc_id})
    conn.execute(
        text(
            f"INSERT INTO {DOCUMENT_SEARCH} (rowid, name, fields, body) "
            "VALUES (:id, :name, :fields, :body)"
        ),
        {"id": doc_id, "name": name, "fields": _search_fields(fields), "body": body or ""},
    )


# Review -----------------------------------------------------------------------------------


def correct_fields(
    company: Company, doc_id: StoredDocumentId, changes: Mapping[str, str | None]
) -> None:
    """Keep the user's corrections (field -> text; empty clears the field) over what was read."""
    with company.unit_of_work() as uow:
        correct_fields_in(uow, doc_id, changes)
        uow.commit()


def correct_fields_in(
    uow: UnitOfWork, doc_id: StoredDocumentId, changes: Mapping[str, str | None]
) -> None:
    require(uow.actor, Permission.POST_VOUCHERS)
    conn = uow.conn
    row = _draft_row(conn, doc_id)
    corrections: dict[str, str | None] = json.loads(row.corrections)
    extracted = json.loads(row.extracted)
    cleaned = {name: clean_correction(name, value) for name, value in changes.items()}
    changed = {}
    for name, value in cleaned.items():
        if extracted["fields"].get(name) == value:
            if corrections.pop(name, "unset") != "unset":
                changed[name] = value
        elif corrections.get(name, "unset") != value:
            corrections[name] = value
            changed[name] = value
    if not changed:
        return
    fields = effective_fields(extracted, corrections)
    conn.execute(
        update(stored_documents)
        .where(stored_documents.c.id == doc_id)
        .values(corrections=json.dumps(corrections, sort_keys=True), **_filter_columns(fields))
    )
    _write_search_row(conn, doc_id, row.source_name, fields, None)
    uow.record("stored_document.correct", "stored_document", doc_id, changed)


def reject_document(company: Company, doc_id: StoredDocumentId, reason: str) -> None:
    """Not a bill for the books (a quotation, a copy): kept and searchable, never posted."""
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.POST_VOUCHERS)
        _draft_row(uow.conn, doc_id)
        uow.conn.execute(
            update(stored_documents)
            .where(stored_documents.c.id == doc_id)
            .values(status=StoredStatus.REJECTED.value, note=reason.strip())
        )
        uow.record("stored_document.reject", "stored_document", doc_id, {"reason": reason})
        uow.commit()


def _draft_row(conn: Connection, doc_id: StoredDocumentId) -> Any:
    row = conn.execute(
        select(
            stored_documents.c.status,
            stored_documents.c.extracted,
            stored_documents.c.corrections,
            stored_documents.c.source_name,
            stored_documents.c.billing_document_id,
        ).where(stored_documents.c.id == doc_id)
    ).first()
    if row is None:
        raise queries.no_such_document(doc_id)
    if row.status != StoredStatus.DRAFT.value:
        raise Conflict(f"Document {doc_id} is {row.status}; only a draft can be changed or posted.")
    return row


# Posting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostedBill:
    document_id: StoredDocumentId
    posted: Posted
    party_id: PartyId
    new_party: bool


def post_bill(company: Company, proposal: BillProposal, *, confirmed: bool) -> PostedBill:
    """The reviewed proposal as a purchase bill, in one transaction with the link back.

    Nothing is posted unless the user confirmed (the review screen's button, ``--yes`` or
    the prompt of ``bahi doc post``). The proposal is checked again inside the transaction:
    the document must still be a draft and the supplier's bill not yet in the books.
    """
    if not confirmed:
        raise ValidationError("Nothing was posted: confirm the purchase bill first.")
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.POST_VOUCHERS)
        conn = uow.conn
        _draft_row(conn, proposal.document_id)
        blockers = proposal_blockers(proposal)
        if blockers:
            raise ValidationError(" ".join(blockers))
        first = queries.bill_in_books(conn, proposal.supplier.gstin, proposal.number)
        if first is not None:
            raise Conflict(first.message)
        supplier = proposal.supplier
        new_party = supplier.party_id is None
        if supplier.party_id is None:
            party_id = add_party_in(
                uow,
                company.profile,
                PartyDraft(supplier.name, PartyKind.SUPPLIER, gstin=supplier.gstin),
            )
        else:
            party_id = supplier.party_id
            billing_queries.party(conn, party_id)
        posted = post_document_in(uow, company.profile, bill_draft(proposal, party_id))
        conn.execute(
            update(stored_documents)
            .where(stored_documents.c.id == proposal.document_id)
            .values(status=StoredStatus.POSTED.value, billing_document_id=posted.document.id)
        )
        uow.record(
            "stored_document.post",
            "stored_document",
            proposal.document_id,
            {
                "billing_document": posted.document.id,
                "number": posted.document.number,
                "reference": posted.document.our_reference,
            },
        )
        uow.commit()
    return PostedBill(proposal.document_id, posted, party_id, new_party)


# The watched folder ------------------------------------------------------------------------

WATCH_FOLDER_SETTING = "documents.watch_folder"


def set_watch_folder(company: Company, folder: Path | str | None) -> None:
    """Where the desktop program looks for new bills (a scanner's output folder); None stops."""
    value = "" if folder is None else str(Path(folder).expanduser())
    if value and not Path(value).is_dir():
        raise ValidationError(f"{value} is not a folder; choose the folder the scanner saves to.")
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.POST_VOUCHERS)
        write_setting(uow, WATCH_FOLDER_SETTING, value)
        uow.commit()


def watch_folder(conn: Connection) -> Path | None:
    value = read_setting(conn, WATCH_FOLDER_SETTING)
    return Path(value) if value else None
