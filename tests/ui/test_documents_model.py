"""The review screen with a local model (the tiny random-weight GGUF on the real llama.cpp)
and the Documents page's smaller tools: date and amount filters, saving the original file.

The model's second pass runs off the UI thread; its proposals are only shown (with the
reason they passed, or were refused) until the user accepts them and saves."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from app.assistant.document_help import review as check_proposals
from app.assistant.runtime import ModelRuntime
from app.documents import queries
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.documents import DocumentsPage
from app.ui.pages.documents_model import MODEL_TINT, NO_MODEL_HINT, review_reading
from app.ui.pages.documents_review import DocumentReview
from app.ui.shell import MainWindow
from tests.documents.bills import Bill, make_bill, write_pdf
from tests.ui.conftest import activate, wait_idle


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelRuntime]:
    """A 6 MB random-weight llama GGUF that the real llama.cpp loads."""
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    from tests.assistant.gguf_writer import write_llama_gguf

    path = write_llama_gguf(tmp_path_factory.mktemp("models") / "tiny-random.gguf")
    with ModelRuntime(path, name="tiny-random", n_ctx=4096, seed=1) as loaded:
        yield loaded


@pytest.fixture
def page(qtbot: QtBot, company: Company, runner: Runner) -> Iterator[DocumentsPage]:
    made = DocumentsPage(company, runner)
    made.resize(1300, 900)
    activate(qtbot, made)
    wait_idle(qtbot, runner)
    yield made
    made.queue.cancel()
    runner.wait()
    wait_idle(qtbot, runner)
    made.close()


def import_bills(qtbot: QtBot, page: DocumentsPage, paths: list[Path]) -> None:
    page.import_paths(paths)
    qtbot.waitUntil(lambda: len(page.outcomes) == len(paths), timeout=30_000)
    assert all(o.imported is not None for o in page.outcomes), page.log.text()
    qtbot.waitUntil(lambda: page.model.rowCount() == len(paths), timeout=5000)


def open_bill(qtbot: QtBot, page: DocumentsPage, doc_id: int) -> DocumentReview:
    page.open_document(doc_id)
    review = page.review
    qtbot.waitUntil(
        lambda: review.loaded is not None and review.loaded.view.row.id == doc_id, timeout=10_000
    )
    return review


def stored(company: Company, doc_id: int) -> tuple[object, str]:
    """The fields as stored and the raw corrections column: what 'nothing stored' compares."""
    with company.reader() as conn:
        view = queries.stored_document(conn, doc_id)
        corrections = conn.exec_driver_sql(
            "SELECT corrections FROM stored_documents WHERE id = ?", (doc_id,)
        ).scalar_one()
    return view.fields, corrections


def heads(bill: Bill) -> tuple[str, ...]:
    return tuple(h for h in ("cgst", "sgst", "igst") if bill.truth()[h] is not None)


def test_the_model_fills_nothing_without_the_user(
    qtbot: QtBot,
    page: DocumentsPage,
    runner: Runner,
    company: Company,
    runtime: ModelRuntime,
    tmp_path: Path,
) -> None:
    bill = make_bill(50, "classic")
    import_bills(qtbot, page, [write_pdf(bill, tmp_path / "classic.pdf")])
    doc_id = page.model.rows[0].id
    review = open_bill(qtbot, page, doc_id)
    fill = review.model_fill

    # No model: the button is there, disabled, and says how to load one.
    assert not fill.fill_button.isEnabled()
    assert fill.fill_button.toolTip() == NO_MODEL_HINT

    page.set_runtime(runtime)
    assert fill.fill_button.isEnabled()
    missing = ("invoice_number", "supplier_gstin", *heads(bill), "grand_total")
    for name in missing:  # fields the rules did not fill, as the user sees them
        review.edits[name].clear()
    before = stored(company, doc_id)

    # Keyboard: focus the button, press Space; the model runs on the pool.
    fill.fill_button.setFocus()
    qtbot.keyClick(fill.fill_button, Qt.Key.Key_Space)
    assert fill.busy and fill.cancel_button.isVisible() and fill.progress.isVisible()
    qtbot.waitUntil(lambda: not fill.busy, timeout=60_000)
    result = fill.result
    assert result is not None and result.engine == "model:tiny-random"
    assert set(result.asked) >= set(missing)
    # Random weights write nonsense; every refusal is listed with its value and reason.
    assert result.rejected
    listed = fill.refused.text()
    for refused in result.rejected:
        assert refused.value in listed and refused.reason in listed
    assert f"{len(result.rejected)} refused" in fill.status.text()
    assert len(fill.accept_buttons) == len(result.accepted)
    for name in missing:
        assert review.edits[name].text() == "" or name in fill.accept_buttons
    wait_idle(qtbot, runner)
    assert stored(company, doc_id) == before  # nothing written by the model's pass

    # Cancel stops it between two tokens; nothing it wrote is used.
    fill.run()
    fill.cancel()
    qtbot.waitUntil(lambda: not fill.busy, timeout=60_000)
    assert fill.status.text().startswith("Cancelled")
    assert fill.result is None
    assert stored(company, doc_id) == before

    # The model goes away (unloaded on the Assistant page): the button says how to load one.
    page.set_runtime(None)
    assert not fill.fill_button.isEnabled()
    assert "Load model" in fill.fill_button.toolTip()


def test_accepted_proposals_are_stored_only_by_save(
    qtbot: QtBot, page: DocumentsPage, runner: Runner, company: Company, tmp_path: Path
) -> None:
    bill = make_bill(50, "classic")
    import_bills(qtbot, page, [write_pdf(bill, tmp_path / "classic.pdf")])
    doc_id = page.model.rows[0].id
    review = open_bill(qtbot, page, doc_id)
    truth = bill.truth()
    missing = ("invoice_number", "invoice_date", *heads(bill), "grand_total")
    for name in missing:  # as if the rules had missed them: cleared and saved
        review.edits[name].clear()
    review.save()
    qtbot.waitUntil(lambda: review.message.text() == "Corrections saved.", timeout=10_000)
    wait_idle(qtbot, runner)
    before = stored(company, doc_id)
    assert review.loaded is not None
    assert review.loaded.view.field("invoice_number").value is None

    # What a model might answer, checked by the real second-pass rules over the stored words.
    with company.reader() as conn:
        words = queries.document_text(conn, doc_id)
    assert review.loaded is not None
    reading = review_reading(review.loaded.view, words, review.shown_fields())
    proposed = {name: str(truth[name]) for name in missing} | {"invoice_date": "2020-01-01"}
    result = check_proposals(reading, proposed, "model:test")
    assert {f.name for f in result.accepted} == set(missing) - {"invoice_date"}
    review.model_fill.show_result(result)

    fill = review.model_fill
    assert "Refused Bill date '2020-01-01': 01-01-2020 is not a date printed" in fill.refused.text()
    proposal = review.findChild(QLabel, "proposal_grand_total")
    assert proposal is not None
    assert str(bill.grand_total) in proposal.text() and "model:test" in proposal.text()
    assert "adds up" in proposal.text()

    # Accept one from the keyboard: it fills its field, marked as the model's, unsaved.
    button = fill.accept_buttons["invoice_number"]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    edit = review.edits["invoice_number"]
    assert edit.text() == bill.invoice_number
    assert edit.styleSheet() == MODEL_TINT and "model:test" in edit.toolTip()
    assert review.edits["grand_total"].text() == ""  # not accepted: still empty
    wait_idle(qtbot, runner)
    assert stored(company, doc_id) == before

    # Save stores what is on screen: the accepted number (and the cleared fields).
    qtbot.keyClick(review, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: review.message.text() == "Corrections saved.", timeout=10_000)
    wait_idle(qtbot, runner)
    assert stored(company, doc_id) != before
    assert review.loaded is not None
    assert review.loaded.view.field("invoice_number").value == bill.invoice_number
    assert review.loaded.view.field("grand_total").value is None
    assert fill.result is None and not fill.accept_buttons  # reopened: proposals cleared


def test_date_and_amount_filters_and_the_original_file(
    qtbot: QtBot, page: DocumentsPage, runner: Runner, company: Company, tmp_path: Path
) -> None:
    first, second = make_bill(50, "classic"), make_bill(51, "labelled")
    pdfs = [write_pdf(first, tmp_path / "a.pdf"), write_pdf(second, tmp_path / "b.pdf")]
    import_bills(qtbot, page, pdfs)
    early, late = sorted((first, second), key=lambda b: b.invoice_date)
    assert early.invoice_date < late.invoice_date

    def numbers() -> set[str]:
        return {r.invoice_number for r in page.model.rows}

    page.date_from.setFocus()
    qtbot.keyClicks(page.date_from, f"{late.invoice_date:%d-%m-%Y}")
    qtbot.waitUntil(lambda: numbers() == {late.invoice_number}, timeout=5000)
    page.date_from.clear()
    qtbot.keyClicks(page.date_to, f"{early.invoice_date:%d-%m-%Y}")
    qtbot.waitUntil(lambda: numbers() == {early.invoice_number}, timeout=5000)
    page.date_to.clear()

    small, big = sorted((first, second), key=lambda b: b.grand_total)
    assert small.grand_total < big.grand_total
    middle = (small.grand_total + big.grand_total) / 2
    qtbot.keyClicks(page.min_total, f"{middle:.2f}")
    qtbot.waitUntil(lambda: numbers() == {big.invoice_number}, timeout=5000)
    page.min_total.clear()
    qtbot.keyClicks(page.max_total, f"{middle:.2f}")
    qtbot.waitUntil(lambda: numbers() == {small.invoice_number}, timeout=5000)
    # The search box with a filter: only hits within it.
    qtbot.keyClicks(page.search, big.supplier_gstin)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    page.search.clear()
    page.max_total.setText("lots")
    page.refresh()
    qtbot.waitUntil(lambda: "not filtered by" in page.summary.text(), timeout=5000)
    assert "'lots' is not an amount" in page.summary.text()
    assert numbers() == {first.invoice_number, second.invoice_number}
    page.max_total.clear()

    # Save original…: the file byte for byte, where the user chose.
    doc_id = next(r.id for r in page.model.rows if r.invoice_number == first.invoice_number)
    review = open_bill(qtbot, page, doc_id)
    review.ask_save_original()
    assert review.original_dialog.isVisible()
    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    review.original_dialog.fileSelected.emit(str(target))
    review.original_dialog.reject()
    qtbot.waitUntil(lambda: "Saved the original file" in review.message.text(), timeout=5000)
    assert target.read_bytes() == pdfs[0].read_bytes()
    review.save_original(tmp_path / "no-such-folder" / "x.pdf")
    wait_idle(qtbot, runner)
    box = review.findChild(QMessageBox)
    assert box is not None and "could not be written" in box.text()
    box.close()


def test_the_shell_hands_the_assistant_model_to_documents(
    qtbot: QtBot, company: Company, runner: Runner, runtime: ModelRuntime
) -> None:
    window = MainWindow(company, runner)
    activate(qtbot, window)
    fill = window.documents.review.model_fill
    assert fill.runtime is None
    window.assistant.models.runtime_changed.emit(runtime)
    assert fill.runtime is runtime
    window.assistant.models.runtime_changed.emit(None)
    assert fill.runtime is None
    wait_idle(qtbot, runner)
    window.close()
    runner.wait()


def test_amount_text_of_filters() -> None:
    from app.ui.pages.documents import read_amount

    assert read_amount("₹1,18,000.50") == Decimal("118000.50")
    assert read_amount("abc") is None and read_amount("nan") is None
