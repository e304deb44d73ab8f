"""Import items and their opening stock from a CSV or Excel sheet.

``preview_import`` only reads: it parses every row and lists its problems (bad HSN,
duplicate barcode, unknown unit ...). Nothing is written until ``accept_import``, which
checks again inside its own transaction and writes all the rows or none.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection, select

from app.errors import ValidationError
from app.inventory.model import (
    QTY_ZERO,
    GodownId,
    ItemDraft,
    ItemId,
    UnitConversion,
    item_problems,
    normal_name,
    quantity_problem,
)
from app.inventory.service import StockLine, add_items_in, opening_stock_in
from app.inventory.tables import godowns, item_barcodes, items
from app.money import ZERO, has_at_most_paise, round_paise
from app.storage.company import Company

MAX_ROWS = 200_000
BARCODE_SEPARATORS = (";", "|", ",")

# The column names people use for each field (compared in lower case, spaces as "_").
_ALIASES = {
    "name": ("name", "item", "item_name", "description", "product"),
    "sku": ("sku", "code", "item_code", "product_code"),
    "barcode": ("barcode", "barcodes", "ean", "upc"),
    "hsn": ("hsn", "hsn_code", "hsn/sac", "hsn_sac", "sac"),
    "gst_rate": ("gst_rate", "gst", "gst_%", "tax_rate", "rate_of_tax"),
    "unit": ("unit", "uqc", "uom"),
    "mrp": ("mrp",),
    "sale_price": ("sale_price", "price", "selling_price", "retail_price"),
    "purchase_price": ("purchase_price", "cost", "cost_price"),
    "wholesale_price": ("wholesale_price", "wholesale"),
    "group": ("group", "stock_group", "category"),
    "reorder_level": ("reorder_level", "min_stock"),
    "reorder_qty": ("reorder_qty", "reorder_quantity"),
    "lead_time_days": ("lead_time_days", "lead_time"),
    "per_box": ("per_box", "box_of", "pack_size"),
    "opening_qty": ("opening_qty", "opening_stock", "opening_quantity", "stock"),
    "opening_value": ("opening_value",),
    "godown": ("godown", "location", "warehouse"),
}
_FIELD_OF = {alias: field for field, names in _ALIASES.items() for alias in names}


@dataclass(frozen=True)
class ImportRow:
    line: int  # as the user sees it: the header is line 1
    name: str
    draft: ItemDraft | None
    opening_qty: Decimal
    opening_value: Decimal
    godown: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ImportPreview:
    path: str
    rows: tuple[ImportRow, ...]
    ignored_columns: tuple[str, ...]

    @property
    def problem_rows(self) -> tuple[ImportRow, ...]:
        return tuple(row for row in self.rows if row.problems)

    @property
    def good_rows(self) -> tuple[ImportRow, ...]:
        return tuple(row for row in self.rows if not row.problems)


@dataclass(frozen=True)
class ImportResult:
    item_ids: tuple[ItemId, ...]
    opening_lines: int
    skipped: int


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text the user typed: 8901234567890, not 8.90123456789e12."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _read_rows(path: Path) -> Iterator[list[str]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                yield [cell.strip() for cell in row]
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl  # only imports pay its start-up time

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for values in book.worksheets[0].iter_rows(values_only=True):
                yield [_cell_text(v) for v in values]
        finally:
            book.close()
    else:
        raise ValidationError(f"{path.name}: import a .csv or .xlsx file.")


def _number(text: str, label: str, problems: list[str], default: Decimal) -> Decimal:
    if not text:
        return default
    try:
        value = Decimal(text.replace(",", "").replace("₹", "").removesuffix("%").strip())
    except InvalidOperation:
        problems.append(f"{label} {text!r} is not a number.")
        return default
    if not value.is_finite():
        problems.append(f"{label} {text!r} is not a number.")
        return default
    return value


def _split_codes(text: str) -> tuple[str, ...]:
    for separator in BARCODE_SEPARATORS:
        text = text.replace(separator, " ")
    return tuple(text.split())


def _parse(line: int, cells: dict[str, str]) -> ImportRow:
    problems: list[str] = []
    name = normal_name(cells.get("name", ""))
    opening_qty = _number(cells.get("opening_qty", ""), "Opening quantity", problems, QTY_ZERO)
    opening_value = _number(cells.get("opening_value", ""), "Opening value", problems, Decimal(-1))
    per_box = _number(cells.get("per_box", ""), "Pack size", problems, Decimal(0))
    wholesale = _number(cells.get("wholesale_price", ""), "Wholesale price", problems, Decimal(-1))
    mrp_text = cells.get("mrp", "")
    mrp = _number(mrp_text, "MRP", problems, Decimal(0)) if mrp_text else None
    lead_text = cells.get("lead_time_days", "") or "7"
    if not lead_text.isdigit():
        problems.append(f"Lead time {lead_text!r} is not a whole number of days.")
    draft = ItemDraft(
        name=name,
        unit=(cells.get("unit", "") or "NOS").upper(),
        sku=cells.get("sku") or None,
        barcodes=_split_codes(cells.get("barcode", "")),
        hsn=cells.get("hsn", "").replace(" ", "").replace(".", ""),
        gst_rate=_number(cells.get("gst_rate", ""), "GST rate", problems, Decimal(0)),
        mrp=mrp,
        sale_price=_number(cells.get("sale_price", ""), "Sale price", problems, Decimal("0.00")),
        purchase_price=_number(
            cells.get("purchase_price", ""), "Purchase price", problems, Decimal("0.00")
        ),
        prices=(("wholesale", wholesale),) if wholesale >= 0 else (),
        conversions=(UnitConversion("BOX", per_box),) if per_box else (),
        group=cells.get("group", ""),
        reorder_level=_number(cells.get("reorder_level", ""), "Reorder level", problems, QTY_ZERO),
        reorder_qty=_number(cells.get("reorder_qty", ""), "Reorder quantity", problems, QTY_ZERO),
        lead_time_days=int(lead_text) if lead_text.isdigit() else 7,
    )
    problems += item_problems(draft)
    problem = quantity_problem(opening_qty, "opening quantity")
    if problem or opening_qty < 0:
        problems.append(problem or "The opening quantity cannot be negative.")
    if opening_value < 0:  # not given: at the purchase price
        opening_value = round_paise(opening_qty * draft.purchase_price) if not problem else ZERO
    elif not has_at_most_paise(opening_value):
        problems.append("The opening value has more than two decimals.")
    return ImportRow(
        line=line,
        name=name,
        draft=None if problems else draft,
        opening_qty=opening_qty,
        opening_value=opening_value,
        godown=normal_name(cells.get("godown", "")) or "Main Godown",
        problems=tuple(problems),
    )


def preview_import(company: Company, path: Path) -> ImportPreview:
    """Parse and check every row against the file itself and the company; writes nothing."""
    rows = _read_rows(path)
    header = next(rows, None)
    if not header or not any(header):
        raise ValidationError(f"{path.name} is empty. The first row names the columns.")
    keys = [cell.strip().lower().replace(" ", "_") for cell in header]
    fields = [_FIELD_OF.get(key) for key in keys]
    if "name" not in fields:
        raise ValidationError(f"{path.name} has no 'name' column. The first row names the columns.")
    ignored = tuple(header[i] for i, field in enumerate(fields) if field is None and header[i])
    parsed: list[ImportRow] = []
    for number, cells in enumerate(rows, start=2):
        if not any(cells):
            continue
        if len(parsed) >= MAX_ROWS:
            raise ValidationError(f"Import at most {MAX_ROWS:,} rows at a time; split the file.")
        values = {
            field: cells[i]
            for i, field in enumerate(fields)
            if field is not None and i < len(cells)
        }
        parsed.append(_parse(number, values))
    with company.reader() as conn:
        checked = _cross_check(conn, parsed)
    return ImportPreview(str(path), tuple(checked), ignored)


def _cross_check(conn: Connection, rows: list[ImportRow]) -> list[ImportRow]:
    """Duplicates within the file and against the company; godowns that do not exist."""
    names = Counter(row.name.casefold() for row in rows if row.name)
    skus = Counter(r.draft.sku.casefold() for r in rows if r.draft and r.draft.sku)
    codes = Counter(code for r in rows if r.draft for code in r.draft.barcodes)
    taken_names = {n.casefold() for n in conn.execute(select(items.c.name)).scalars()}
    taken_skus = {s.casefold() for s in conn.execute(select(items.c.sku)).scalars() if s}
    wanted_codes = list(codes)
    taken_codes: set[str] = set()
    for start in range(0, len(wanted_codes), 900):
        chunk = wanted_codes[start : start + 900]
        taken_codes |= set(
            conn.execute(select(item_barcodes.c.code).where(item_barcodes.c.code.in_(chunk)))
            .scalars()
            .all()
        )
    known_godowns = {g.casefold() for g in conn.execute(select(godowns.c.name)).scalars()}
    result = []
    for row in rows:
        found = list(row.problems)
        key = row.name.casefold()
        if row.name and names[key] > 1:
            found.append(f"The name {row.name!r} appears {names[key]} times in the file.")
        if key in taken_names:
            found.append(f"An item named {row.name!r} already exists.")
        if row.draft is not None:
            sku = (row.draft.sku or "").casefold()
            if sku and skus[sku] > 1:
                found.append(f"SKU {row.draft.sku} appears {skus[sku]} times in the file.")
            if sku in taken_skus:
                found.append(f"SKU {row.draft.sku} already belongs to another item.")
            for code in row.draft.barcodes:
                if codes[code] > 1:
                    found.append(f"Duplicate barcode {code}: it appears {codes[code]} times.")
                if code in taken_codes:
                    found.append(f"Duplicate barcode {code}: it already belongs to another item.")
        if row.opening_qty and row.godown.casefold() not in known_godowns:
            found.append(f"There is no godown {row.godown!r}. Add it first.")
        result.append(replace(row, problems=tuple(found)) if found != list(row.problems) else row)
    return result


def accept_import(
    company: Company, preview: ImportPreview, *, skip_problems: bool = False
) -> ImportResult:
    """Write the previewed rows: all of them, or with ``skip_problems`` the good ones.

    The checks run again in the transaction: if someone added a clashing item since the
    preview, nothing is written.
    """
    if preview.problem_rows and not skip_problems:
        first = preview.problem_rows[0]
        raise ValidationError(
            f"{len(preview.problem_rows)} rows have problems (line {first.line}: "
            f"{first.problems[0]}). Fix the file, or accept only the good rows."
        )
    good = [row for row in preview.good_rows if row.draft is not None]
    if not good:
        raise ValidationError("There are no rows to import.")
    with company.unit_of_work() as uow:
        ids = add_items_in(uow, [row.draft for row in good if row.draft is not None])
        godown_ids = {
            name.casefold(): GodownId(gid)
            for gid, name in uow.conn.execute(select(godowns.c.id, godowns.c.name))
        }
        by_godown: dict[GodownId, list[StockLine]] = {}
        for item_id, row in zip(ids, good, strict=True):
            if row.opening_qty:
                line = StockLine(item_id, row.opening_qty, value=row.opening_value)
                by_godown.setdefault(godown_ids[row.godown.casefold()], []).append(line)
        for godown_id, lines in by_godown.items():
            opening_stock_in(uow, godown_id, lines, company.profile.books_begin)
        uow.record(
            "item.import",
            "company",
            company.company_id,
            {
                "file": Path(preview.path).name,
                "items": len(ids),
                "skipped": len(preview.rows) - len(good),
            },
        )
        uow.commit()
    return ImportResult(
        tuple(ids), sum(len(lines) for lines in by_godown.values()), len(preview.rows) - len(good)
    )
