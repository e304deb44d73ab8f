"""Generated bills (reportlab), their scans and the public samples, shared by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.bills import Bill, make_bill, write_pdf

SAMPLES = Path("/work/shared/reference/invoice-samples")


@pytest.fixture(scope="session")
def bill_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bills")


@pytest.fixture(scope="session")
def make_pdf(bill_dir: Path):  # type: ignore[no-untyped-def]
    """``make_pdf(seed, layout, **kw)``: the bill and its PDF, drawn once per session."""
    made: dict[tuple[int, str, int | None], tuple[Bill, Path]] = {}

    def make(seed: int, layout: str, line_count: int | None = None) -> tuple[Bill, Path]:
        key = (seed, layout, line_count)
        if key not in made:
            bill = make_bill(seed, layout, line_count=line_count)
            path = bill_dir / f"{layout}-{seed}-{line_count}.pdf"
            made[key] = (bill, write_pdf(bill, path))
        return made[key]

    return make
