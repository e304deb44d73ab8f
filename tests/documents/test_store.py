"""Stored bills inside the encrypted company: import (dedupe, pages, file), bad files that
leave the company untouched, no plaintext on disk, the list filters, corrections and FTS5."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, inspect, select, text

from app.documents import queries, service
from app.documents.model import DocumentError, ReadCancelled
from app.documents.stored import MAX_IMPORT_PAGES, StoredDocumentId, StoredStatus
from app.documents.tables import (
    DOCUMENT_SEARCH,
    stored_document_files,
    stored_document_pages,
    stored_documents,
)
from app.errors import Conflict, ValidationError
from app.storage.company import Company
from tests.documents.bills import Bill, scan
from tests.documents.test_cli import MESSAGES, _bad_files
from tests.factories import audit_rows

MakePdf = Callable[..., tuple[Bill, Path]]


def stored_count(company: Company) -> int:
    with company.reader() as conn:
        return int(conn.execute(select(func.count()).select_from(stored_documents)).scalar_one())


@pytest.fixture
def private_tmp(tmp_path: Path) -> Iterator[Path]:
    """Python's temporary folder pointed at an empty one, to see what is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    before = tempfile.tempdir
    tempfile.tempdir = str(folder)
    yield folder
    tempfile.tempdir = before


def test_schema_matches_the_tables_and_fts5_is_built_in(company: Company) -> None:
    with company.reader() as conn:
        options = set(conn.exec_driver_sql("PRAGMA compile_options").scalars())
        assert "ENABLE_FTS5" in options
        found = inspect(conn)
        for table in (stored_documents, stored_document_files, stored_document_pages):
            on_disk = {c["name"] for c in found.get_columns(table.name)}
            assert on_disk == {c.name for c in table.columns}, table.name
        kinds = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").all())
    assert "fts5" in kinds[DOCUMENT_SEARCH]


def test_text_pdf_is_stored_whole(company: Company, make_pdf: MakePdf) -> None:
    bill, pdf = make_pdf(3, "classic")
    imported = service.import_document(company, pdf)
    assert not imported.duplicate and imported.problems == ()
    with company.reader() as conn:
        view = queries.stored_document(conn, imported.document_id)
        page = queries.page_image(conn, imported.document_id, 1)
        original = queries.original_file(conn, imported.document_id)
    assert original == pdf.read_bytes()
    assert view.row.status is StoredStatus.DRAFT and view.row.page_count == 1
    assert view.kind == "pdf" and view.media_type == "application/pdf"
    values = {f.name: f.value for f in view.fields}
    for name, expected in bill.truth().items():
        assert values[name] == expected, name
    assert view.field("grand_total").confidence > 0.9
    assert view.field("grand_total").region is not None
    assert view.row.grand_total == bill.grand_total
    assert view.row.invoice_date == bill.invoice_date
    assert view.page_sources == ("text",)
    picture = Image.open(io.BytesIO(page.data))
    assert picture.format == "PNG" and (picture.width, picture.height) == (
        page.width,
        page.height,
    )
    assert 800 < page.height < 1400  # A4 at 110 dpi
    [row] = audit_rows(company, "stored_document.import")
    assert row["entity_id"] == str(imported.document_id)


def test_the_same_file_is_stored_once(company: Company, make_pdf: MakePdf, tmp_path: Path) -> None:
    _, pdf = make_pdf(4, "labelled")
    first = service.import_document(company, pdf)
    copy = tmp_path / "renamed copy.pdf"
    shutil.copy(pdf, copy)
    again = service.import_document(company, copy)
    assert again.duplicate and again.document_id == first.document_id
    prepared = service.prepare_import(copy)  # a race: read twice, stored once
    assert service.store_import(company, prepared).duplicate
    assert stored_count(company) == 1
    assert len(audit_rows(company, "stored_document.import")) == 1


def test_scans_keep_their_pictures(company: Company, make_pdf: MakePdf, tmp_path: Path) -> None:
    bill, pdf = make_pdf(21, "einvoice", line_count=30)
    jpeg = tmp_path / "photo.jpg"
    scan(pdf, 5, dpi=200).save(jpeg, quality=85)
    one = service.import_document(company, jpeg)
    pages = [scan(pdf, 21, dpi=200, page=0), scan(pdf, 22, dpi=200, page=1)]
    tiff = tmp_path / "bill.tiff"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    two = service.import_document(company, tiff)
    with company.reader() as conn:
        photo = queries.page_image(conn, one.document_id, 1)
        tiff_view = queries.stored_document(conn, two.document_id)
        second = queries.page_image(conn, two.document_id, 2)
    assert photo.media_type == "image/jpeg" and photo.data == jpeg.read_bytes()
    assert photo.text_source == "ocr"
    assert tiff_view.media_type == "image/tiff" and tiff_view.row.page_count == 2
    assert second.media_type == "image/png" and Image.open(io.BytesIO(second.data)).size == (
        pages[1].width,
        pages[1].height,
    )
    assert tiff_view.field("grand_total").value == str(bill.grand_total)


def _huge_pdf(path: Path, pages: int = 200) -> Path:
    canvas = Canvas(str(path))
    for page in range(pages):
        canvas.drawString(72, 760, f"Statement page {page + 1}. Invoice No.: ST-{page + 1}")
        canvas.drawString(72, 740, "Date: 05/04/2025   Grand Total 100.00")
        canvas.showPage()
    canvas.save()
    return path


def test_bad_files_leave_the_company_untouched(
    company: Company, make_pdf: MakePdf, tmp_path: Path, private_tmp: Path
) -> None:
    _, pdf = make_pdf(0, "classic")
    bad = _bad_files(tmp_path, pdf.read_bytes())
    bad["huge.pdf"] = _huge_pdf(tmp_path / "huge.pdf")
    bad["folder"] = tmp_path
    messages = {
        **MESSAGES,
        "huge.pdf": f"has 200 pages; Bahi stores bills of at most {MAX_IMPORT_PAGES}",
        "folder": "is a folder",
    }
    audit_before = len(audit_rows(company))
    for name, path in bad.items():
        with pytest.raises(ValidationError) as caught:
            service.import_document(company, path)
        assert isinstance(caught.value, DocumentError) or name == "huge.pdf"
        assert messages[name] in str(caught.value), name
        assert "\n" not in str(caught.value)
    assert stored_count(company) == 0
    assert len(audit_rows(company)) == audit_before
    assert list(private_tmp.iterdir()) == []


def test_no_plaintext_copy_and_no_temporary_files(
    company: Company, make_pdf: MakePdf, tmp_path: Path, private_tmp: Path
) -> None:
    bill, pdf = make_pdf(6, "grid")
    jpeg = tmp_path / "scan.jpg"
    scan(pdf, 6, dpi=200).save(jpeg, quality=85)
    folder_before = {p.name for p in company.folder.iterdir()}
    service.import_document(company, pdf)
    service.import_document(company, jpeg)  # OCR: tesseract's files must be gone too
    assert list(private_tmp.iterdir()) == []
    assert {p.name for p in company.folder.iterdir()} <= folder_before | {
        "company.bahi-wal",
        "company.bahi-shm",
    }
    on_disk = b"".join(p.read_bytes() for p in company.folder.rglob("*") if p.is_file())
    for secret in (
        bill.invoice_number.encode(),
        bill.supplier_gstin.encode(),
        b"%PDF-",
        b"\x89PNG",
        jpeg.read_bytes()[:64],
    ):
        assert secret not in on_disk


def test_cancel_between_pages_keeps_nothing(company: Company, make_pdf: MakePdf) -> None:
    _, pdf = make_pdf(7, "einvoice", line_count=30)
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 1  # after the first page

    with pytest.raises(ReadCancelled):
        service.import_document(company, pdf, cancel=cancel)
    assert stored_count(company) == 0


@pytest.fixture
def three(company: Company, make_pdf: MakePdf) -> list[tuple[Bill, StoredDocumentId]]:
    made = []
    for seed, layout in ((10, "classic"), (11, "labelled"), (12, "grid")):
        bill, pdf = make_pdf(seed, layout)
        made.append((bill, service.import_document(company, pdf).document_id))
    return made


def test_list_filters(company: Company, three: list[tuple[Bill, StoredDocumentId]]) -> None:
    bills = {doc_id: bill for bill, doc_id in three}
    with company.reader() as conn:
        everything = queries.list_documents(conn)
        assert [r.id for r in everything] == sorted(bills, reverse=True)  # newest first
        for doc_id, bill in bills.items():
            by_name = queries.list_documents(conn, supplier=bill.supplier_name[3:12].lower())
            assert doc_id in [r.id for r in by_name]
            by_gstin = queries.list_documents(conn, supplier=bill.supplier_gstin.lower())
            assert [r.id for r in by_gstin] == [doc_id]
            on_day = queries.list_documents(conn, start=bill.invoice_date, end=bill.invoice_date)
            assert doc_id in [r.id for r in on_day]
            exact = queries.list_documents(
                conn, min_total=bill.grand_total, max_total=bill.grand_total
            )
            assert [r.id for r in exact] == [doc_id]
        cheapest = min(b.grand_total for b in bills.values())
        below = queries.list_documents(conn, max_total=cheapest - Decimal("0.01"))
        assert below == []
        assert queries.list_documents(conn, status=StoredStatus.POSTED) == []
        assert len(queries.list_documents(conn, status=StoredStatus.DRAFT)) == 3
        assert queries.list_documents(conn, start=date(2030, 1, 1)) == []


def test_full_text_search(company: Company, three: list[tuple[Bill, StoredDocumentId]]) -> None:
    with company.reader() as conn:
        for bill, doc_id in three:
            word = bill.lines[0].description.split()[0]
            assert doc_id in [h.row.id for h in queries.search_documents(conn, word)]
            hits = queries.search_documents(conn, bill.invoice_number)
            assert hits[0].row.id == doc_id
            assert "[" in hits[0].snippet
            assert [h.row.id for h in queries.search_documents(conn, bill.supplier_gstin)] == [
                doc_id
            ]
            prefix = bill.supplier_name.split()[0][:4]  # typing: the last word is a prefix
            assert doc_id in [h.row.id for h in queries.search_documents(conn, prefix)]
        assert queries.search_documents(conn, "zebracrossing") == []
        assert queries.search_documents(conn, "  ") == []
        assert queries.search_documents(conn, '"') == []


@given(st.text(max_size=40))
@settings(max_examples=150, deadline=None)
def test_any_typed_search_is_a_valid_fts5_query(typed: str) -> None:
    """Whatever is typed becomes a query FTS5 accepts (quotes, stars, brackets, NEAR, ...)."""
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    con.execute("INSERT INTO t VALUES ('INV/25-26/0007 cement OPC 53 grade')")
    query = queries.fts_query(typed)
    if query is not None:
        con.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()


def test_corrections_are_kept_over_what_was_read(
    company: Company, three: list[tuple[Bill, StoredDocumentId]]
) -> None:
    bill, doc_id = three[0]
    service.correct_fields(
        company, doc_id, {"invoice_number": "INV/FIXED/9", "invoice_date": "07-05-2025"}
    )
    with company.reader() as conn:
        view = queries.stored_document(conn, doc_id)
        found = queries.search_documents(conn, "INV/FIXED/9")
        old = queries.search_documents(conn, bill.invoice_number)
        body = conn.execute(
            text(f"SELECT body FROM {DOCUMENT_SEARCH} WHERE rowid = :id"), {"id": doc_id}
        ).scalar_one()
    number = view.field("invoice_number")
    assert (number.value, number.confidence, number.source, number.corrected) == (
        "INV/FIXED/9",
        1.0,
        "user",
        True,
    )
    assert view.row.invoice_number == "INV/FIXED/9"
    assert view.row.invoice_date == date(2025, 5, 7)
    assert [h.row.id for h in found] == [doc_id]
    assert doc_id in [h.row.id for h in old]  # the printed words stay searchable
    assert bill.lines[0].description.split()[0] in body
    assert audit_rows(company, "stored_document.correct")[-1]["entity_id"] == str(doc_id)
    # Back to what was read: the correction goes away.
    service.correct_fields(company, doc_id, {"invoice_number": bill.invoice_number})
    with company.reader() as conn:
        assert not queries.stored_document(conn, doc_id).field("invoice_number").corrected


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("supplier_gstin", "27AAPFU0939F1ZX", "GSTIN"),
        ("grand_total", "12,34.5x", "amount like"),
        ("grand_total", "10.123", "two decimals"),
        ("invoice_date", "31-02-2025", "date like"),
        ("place_of_supply", "45", "not a GST state code"),
        ("no_such_field", "1", "not a field"),
    ],
)
def test_bad_corrections_change_nothing(
    company: Company,
    three: list[tuple[Bill, StoredDocumentId]],
    name: str,
    typed: str,
    message: str,
) -> None:
    _, doc_id = three[1]
    before = len(audit_rows(company))
    with pytest.raises(ValidationError, match=message):
        service.correct_fields(company, doc_id, {name: typed})
    assert len(audit_rows(company)) == before


def test_rejected_bill_cannot_change(
    company: Company, three: list[tuple[Bill, StoredDocumentId]]
) -> None:
    _, doc_id = three[2]
    service.reject_document(company, doc_id, "a quotation, not a bill")
    with company.reader() as conn:
        view = queries.stored_document(conn, doc_id)
    assert view.row.status is StoredStatus.REJECTED and view.note == "a quotation, not a bill"
    with pytest.raises(Conflict, match="rejected"):
        service.correct_fields(company, doc_id, {"invoice_number": "X"})


def test_watch_folder_setting(company: Company, tmp_path: Path) -> None:
    with company.reader() as conn:
        assert service.watch_folder(conn) is None
    service.set_watch_folder(company, tmp_path)
    with company.reader() as conn:
        assert service.watch_folder(conn) == tmp_path
    with pytest.raises(ValidationError, match="not a folder"):
        service.set_watch_folder(company, tmp_path / "missing")
    service.set_watch_folder(company, None)
    with company.reader() as conn:
        assert service.watch_folder(conn) is None
