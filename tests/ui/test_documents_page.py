"""The Documents page driven offscreen over a real company with real generated PDFs: drop and
choose files, per-page progress and cancel, search, the review with the page and the field's
region outlined, the purchase bill from one click, the watched folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from reportlab.pdfgen.canvas import Canvas

from app.billing import queries as billing_queries
from app.documents import queries
from app.documents.stored import StoredStatus
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.documents import DocumentsPage
from app.ui.pages.documents_review import AMOUNT, QTY
from app.ui.shell import MainWindow
from tests.documents.bills import Bill, make_bill, scan, write_pdf
from tests.ui.conftest import activate, wait_idle


@pytest.fixture
def bills(tmp_path: Path) -> dict[str, tuple[Bill, Path]]:
    made = {}
    for seed, layout in ((50, "classic"), (51, "labelled"), (52, "einvoice")):
        bill = make_bill(seed, layout, line_count=None if layout != "einvoice" else 30)
        made[layout] = (bill, write_pdf(bill, tmp_path / f"{layout}.pdf"))
    return made


@pytest.fixture
def page(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[DocumentsPage]:
    made = DocumentsPage(company, runner)
    made.resize(1200, 800)
    activate(qtbot, made)
    wait_idle(qtbot, runner)
    yield made
    made.watch.set_folder(None)
    made.queue.cancel()
    runner.wait()
    wait_idle(qtbot, runner)
    made.close()


def drop(page: DocumentsPage, paths: list[Path]) -> None:
    """Drag files over the page and let go. Offscreen there is no drag session, so the
    events go to the page's own handler (QApplication would drop them unrouted)."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    at = QPoint(20, 20)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, data, buttons, keys)
    page.event(enter)
    assert enter.isAccepted()
    page.event(QDropEvent(at.toPointF(), Qt.DropAction.CopyAction, data, buttons, keys))


def test_drop_choose_search_review_and_post(
    qtbot: QtBot,
    page: DocumentsPage,
    runner: Runner,
    company: Company,
    bills: dict[str, tuple[Bill, Path]],
    tmp_path: Path,
) -> None:
    progress: list[tuple[int, int]] = []
    page.queue.progressed.connect(lambda done, total, _t: progress.append((done, total)))
    classic, classic_pdf = bills["classic"]
    labelled, labelled_pdf = bills["labelled"]
    bad = tmp_path / "notes.pdf"
    bad.write_text("not a bill")
    drop(page, [classic_pdf, bad])
    assert page.progress_box.isVisible()
    qtbot.waitUntil(lambda: len(page.outcomes) == 2, timeout=20_000)
    page.choose_files()
    assert page.file_dialog.isVisible()
    page.file_dialog.filesSelected.emit([str(labelled_pdf), str(classic_pdf)])
    page.file_dialog.reject()
    activate(qtbot, page)
    qtbot.waitUntil(lambda: len(page.outcomes) == 4, timeout=20_000)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    log = page.log.text()
    assert "notes.pdf: notes.pdf is not a PDF or an image" in log
    assert f"{classic_pdf.name}: already stored as document" in log
    assert not page.progress_box.isVisible()
    assert (2, 2) in progress  # one page read, then drawn: per-page steps of the file
    assert page.model.data(page.model.index(1, 5)) == classic.invoice_number

    # Full-text search from the box (words of the bill, not only its fields).
    page.search.setFocus()
    qtbot.keyClicks(page.search, labelled.lines[0].description.split()[0])
    qtbot.waitUntil(
        lambda: (
            [r.invoice_number for r in page.model.rows] == [labelled.invoice_number]
            or labelled.invoice_number in [r.invoice_number for r in page.model.rows]
        ),
        timeout=5000,
    )
    page.search.clear()
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)

    # Review: Enter on the row opens the page beside the form.
    page.table.setFocus()
    page.table.selectRow(1)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    review = page.review
    qtbot.waitUntil(lambda: review.loaded is not None, timeout=10_000)
    assert page.stack.currentWidget() is review
    for name, expected in classic.truth().items():
        assert review.edits[name].text() == (expected or ""), name
    assert review.page_label.text() == "Page 1 of 1 (text layer)"
    assert not review.page_view.pixmap_item.pixmap().isNull()
    assert review.supplier.currentText().startswith("New supplier: " + classic.supplier_name)

    review.edits["grand_total"].setFocus()
    qtbot.waitUntil(review.page_view.mark.isVisible, timeout=3000)
    mark = review.page_view.mark.rect()
    picture = review.page_view.pixmap_item.pixmap()
    region = review.loaded.view.field("grand_total").region
    assert region is not None
    assert abs(mark.left() + 4 - region["bbox"][0] * picture.width()) < 1
    assert 0 < mark.top() < picture.height() and mark.bottom() < picture.height()
    review.edits["invoice_number"].setFocus()
    qtbot.waitUntil(lambda: review.page_view.mark.rect() != mark, timeout=3000)

    # An edited quantity updates the amount; corrections and the bill go in on one click.
    first_qty = review.lines.item(0, QTY).text()
    review.lines.item(0, QTY).setText(first_qty)  # unchanged: the figures stay the bill's
    assert review.lines.item(0, AMOUNT).text().replace(",", "") == str(classic.lines[0].amount)
    assert str(classic.grand_total) in review.totals.text().replace(",", "")
    review.edits["invoice_number"].setText(classic.invoice_number + "A")
    qtbot.mouseClick(review.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Posted purchase bill" in review.message.text(), timeout=15_000)
    wait_idle(qtbot, runner)
    doc_id = review.loaded.view.row.id
    with company.reader() as conn:
        view = queries.stored_document(conn, doc_id)
        posted = billing_queries.document(conn, view.row.billing_document_id or 0)
    assert view.row.status is StoredStatus.POSTED
    assert posted.number == classic.invoice_number + "A"
    assert not review.create_button.isEnabled()
    assert review.edits["invoice_number"].isReadOnly()

    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert page.stack.currentIndex() == 0
    qtbot.waitUntil(
        lambda: any(r.status is StoredStatus.POSTED for r in page.model.rows), timeout=5000
    )


def test_cancel_stops_between_pages_and_keeps_nothing(
    qtbot: QtBot,
    page: DocumentsPage,
    runner: Runner,
    company: Company,
    bills: dict[str, tuple[Bill, Path]],
    tmp_path: Path,
) -> None:
    _, pdf = bills["einvoice"]
    tiff = tmp_path / "two-pages.tiff"
    pages = [scan(pdf, 3, dpi=200, page=0), scan(pdf, 4, dpi=200, page=1)]
    pages[0].save(tiff, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    page.import_paths([tiff])
    qtbot.waitUntil(lambda: "OCR of page 1" in page.progress_label.text(), timeout=10_000)
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.outcomes) == 1, timeout=30_000)
    wait_idle(qtbot, runner)
    assert page.outcomes[0].cancelled
    assert "cancelled; nothing was kept" in page.log.text()
    with company.reader() as conn:
        assert queries.list_documents(conn) == []


def test_watched_folder_imports_new_files(
    qtbot: QtBot,
    page: DocumentsPage,
    runner: Runner,
    company: Company,
    bills: dict[str, tuple[Bill, Path]],
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "scanner"
    inbox.mkdir()
    page.set_watch_folder(inbox)
    qtbot.waitUntil(lambda: "Watching" in page.watch_label.text(), timeout=5000)
    with company.reader() as conn:
        from app.documents.service import watch_folder

        assert watch_folder(conn) == inbox
    bill, pdf = bills["labelled"]
    (inbox / "readme.txt").write_text("not a bill")
    shutil.copy(pdf, inbox / "from-scanner.pdf")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20_000)
    assert page.model.rows[0].invoice_number == bill.invoice_number
    assert [o.path.name for o in page.outcomes] == ["from-scanner.pdf"]

    # A new page showing the same company watches the same folder from the setting.
    again = DocumentsPage(company, runner)
    qtbot.waitUntil(lambda: again.watch.folder == inbox, timeout=5000)
    again.watch.set_folder(None)
    again.close()
    page.set_watch_folder(None)
    qtbot.waitUntil(lambda: page.watch_label.text() == "No folder watched.", timeout=5000)


def test_a_huge_pdf_is_refused_with_a_message(
    qtbot: QtBot, page: DocumentsPage, runner: Runner, tmp_path: Path
) -> None:
    huge = Canvas(str(tmp_path / "statement.pdf"))
    for n in range(200):
        huge.drawString(72, 760, f"Statement page {n + 1}")
        huge.showPage()
    huge.save()
    page.import_paths([tmp_path / "statement.pdf"])
    qtbot.waitUntil(lambda: len(page.outcomes) == 1, timeout=20_000)
    assert "has 200 pages" in page.log.text()
    assert page.findChild(QMessageBox, "crashDialog") is None


def test_the_main_window_shows_the_documents_page(
    qtbot: QtBot, company: Company, runner: Runner
) -> None:
    window = MainWindow(company, runner)
    activate(qtbot, window)
    window.show_screen("Documents")
    assert isinstance(window.pages.currentWidget(), DocumentsPage)
    wait_idle(qtbot, runner)
    window.close()
    runner.wait()
