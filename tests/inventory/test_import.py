"""Item import: the preview lists each row's problems and never writes; accept writes all."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app.errors import Conflict, ValidationError
from app.inventory import queries
from app.inventory.item_import import accept_import, preview_import
from app.inventory.model import ItemDraft, ValuationMethod
from app.inventory.service import add_item
from app.money import D
from app.storage.company import Company
from tests.conftest import CompanyFactory

HEADER = [
    "Item Name",
    "SKU",
    "Barcode",
    "HSN",
    "GST %",
    "Unit",
    "MRP",
    "Price",
    "Purchase Price",
    "Opening Stock",
    "Godown",
    "Colour",
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


GOOD = [
    ["Tata Salt 1kg", "TS1", "8904063200303", "2501", "5", "PCS", "30", "28", "24", "10", "", "w"],
    ["Toor Dal", "TD", "", "0713", "5%", "kgs", "", "140", "120.50", "25.5", "Main Godown", ""],
]


def test_preview_lists_problems_per_row(company: Company, tmp_path: Path) -> None:
    add_item(company, ItemDraft(name="Sugar", unit="KGS", barcodes=("8901725181222",)))
    rows = [
        *GOOD,
        ["Bad HSN", "", "", "12", "5", "PCS", "", "", "", "", "", ""],
        ["Dup code", "", "8904063200303", "", "5", "PCS", "", "", "", "", "", ""],
        ["Taken code", "", "8901725181222", "", "5", "PCS", "", "", "", "", "", ""],
        ["Odd unit", "", "", "", "5", "PKT", "", "", "", "", "", ""],
        ["Sugar", "", "", "", "5", "KGS", "", "", "", "", "", ""],
        ["Far away", "", "", "", "5", "PCS", "", "", "", "3", "Delhi", ""],
        ["Bad number", "", "", "", "five", "PCS", "", "", "", "", "", ""],
    ]
    preview = preview_import(company, write_csv(tmp_path / "items.csv", rows))
    assert preview.ignored_columns == ("Colour",)
    problems = {row.name: row.problems for row in preview.problem_rows}
    assert [row.name for row in preview.good_rows] == ["Toor Dal"]
    assert any(
        "Duplicate barcode 8904063200303: it appears 2 times" in p
        for p in problems["Tata Salt 1kg"]
    )
    assert any("4, 6 or 8 digits" in p for p in problems["Bad HSN"])
    assert any("already belongs to another item" in p for p in problems["Taken code"])
    assert any("not a GST unit code" in p for p in problems["Odd unit"])
    assert any("already exists" in p for p in problems["Sugar"])
    assert any("no godown 'Delhi'" in p for p in problems["Far away"])
    assert any("'five' is not a number" in p for p in problems["Bad number"])
    assert {row.line for row in preview.problem_rows} == {2, 4, 5, 6, 7, 8, 9, 10}
    with pytest.raises(ValidationError, match="8 rows have problems"):
        accept_import(company, preview)
    result = accept_import(company, preview, skip_problems=True)
    assert (len(result.item_ids), result.opening_lines, result.skipped) == (1, 1, 8)
    with company.reader() as conn:
        dal = queries.item_by_name(conn, "Toor Dal")
        assert queries.on_hand(conn, dal.id) == D("25.5")
        # opening value at the purchase price: 25.5 x 120.50
        assert queries.closing_stock_value(
            conn, company.profile.books_begin, ValuationMethod.FIFO
        ) == D("3072.75")


def test_accept_writes_everything_from_an_excel_sheet(company: Company, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        ["Tata Salt 1kg", "TS1", 8904063200303, 2501, 5, "PCS", 30, 28, 24, 10, None, None]
    )
    sheet.append(["Toor Dal", "TD", None, "0713", 0.05 * 100, "KGS", None, 140, 120.5, 25.5, None])
    book.save(tmp_path / "items.xlsx")
    preview = preview_import(company, tmp_path / "items.xlsx")
    assert preview.problem_rows == ()
    result = accept_import(company, preview)
    assert len(result.item_ids) == 2
    with company.reader() as conn:
        salt = queries.item_by_barcode(conn, "8904063200303")
        assert salt is not None and salt.hsn == "2501" and salt.mrp == D("30.00")
    # the same preview cannot be accepted twice: the checks run again at accept time
    with pytest.raises(Conflict):
        accept_import(company, preview)


def test_files_that_cannot_be_items(company: Company, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValidationError, match=r"\.csv or \.xlsx"):
        preview_import(company, tmp_path / "a.txt")
    (tmp_path / "b.csv").write_text("sku,price\nA,1\n")
    with pytest.raises(ValidationError, match="no 'name' column"):
        preview_import(company, tmp_path / "b.csv")


def _fingerprint(company: Company) -> tuple[int, ...]:
    with company.reader() as conn:
        tables = [
            name
            for name in conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                    "'sqlite_%' AND name NOT LIKE 'item_search_%' ORDER BY name"
                )
            ).scalars()
        ]
        return tuple(
            conn.execute(select(func.count()).select_from(text(f'"{name}"'))).scalar_one()
            for name in tables
        )


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=14)
rows = st.lists(
    st.lists(
        st.one_of(cells, st.sampled_from(["8904063200303", "PCS", "KGS", "2501", "5", "12", ""])),
        min_size=len(HEADER),
        max_size=len(HEADER),
    ),
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=rows)
def test_preview_never_writes(
    make_company: CompanyFactory, tmp_path: Path, data: list[list[str]]
) -> None:
    company = _shared(make_company)
    before = _fingerprint(company)
    path = write_csv(tmp_path / "any.csv", [[c.replace("\r", " ") for c in r] for r in data])
    with contextlib.suppress(ValidationError):  # a file with no name column
        preview_import(company, path)
    assert _fingerprint(company) == before


_COMPANIES: dict[int, Company] = {}


def _shared(factory: CompanyFactory) -> Company:
    """One company for all of a test's examples (the factory closes it after the test)."""
    key = id(factory)
    if key not in _COMPANIES:
        _COMPANIES.clear()
        _COMPANIES[key] = factory()
        add_item(_COMPANIES[key], ItemDraft(name="Existing", unit="PCS", barcodes=("96385074",)))
    return _COMPANIES[key]
