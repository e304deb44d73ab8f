"""Generated GST bills in four layouts read back through pdfplumber's text layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.documents.model import TextSource
from app.documents.reader import read_document
from tests.documents.bills import LAYOUTS, Bill

MakePdf = Callable[..., tuple[Bill, Path]]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_field_and_line_is_exact(make_pdf: MakePdf, layout: str, seed: int) -> None:
    bill, pdf = make_pdf(seed, layout)
    reading = read_document(pdf)
    assert [p.source for p in reading.pages] == [TextSource.TEXT_LAYER]
    fields = reading.to_json()["fields"]
    assert isinstance(fields, dict)
    for name, expected in bill.truth().items():
        assert fields[name] == expected, name
    assert [(x.description, x.hsn, x.quantity, x.rate, x.amount) for x in reading.lines] == [
        (x.description, x.hsn, x.quantity, x.rate, x.amount) for x in bill.lines
    ]
    assert reading.problems == ()
    for name in ("invoice_number", "grand_total", "taxable_value"):
        found = reading.field(name)
        assert found is not None and found.confidence >= 0.9 and found.region is not None


def test_a_bill_running_onto_a_second_page(make_pdf: MakePdf) -> None:
    bill, pdf = make_pdf(5, "einvoice", line_count=30)
    reading = read_document(pdf)
    assert reading.page_count == 2
    assert len(reading.lines) == 30
    assert reading.value("grand_total") == bill.grand_total
    assert reading.field("grand_total").region.page == 2  # type: ignore[union-attr]


def test_progress_is_told_per_page_and_cancel_stops(make_pdf: MakePdf) -> None:
    from app.documents.model import CancelToken, ReadCancelled

    _, pdf = make_pdf(5, "einvoice", line_count=30)
    seen: list[tuple[int, int]] = []
    read_document(pdf, progress=lambda done, total, stage: seen.append((done, total)))
    assert seen[0] == (0, 2) and seen[-1] == (2, 2) and (1, 2) in seen

    token = CancelToken()

    def cancel_after_first(done: int, total: int, stage: str) -> None:
        if done == 1:
            token.cancel()

    with pytest.raises(ReadCancelled):
        read_document(pdf, progress=cancel_after_first, cancel=token)
