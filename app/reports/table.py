"""A report as a plain table (column names and rows of text and Decimals), for CSV, XLSX
and the terminal; every report offers one through ``table()``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.money import format_inr

Cell = str | Decimal | date | int | None


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def text(self) -> str:
        """Aligned text with Indian digit grouping, for the terminal."""
        shown = [self.columns, *(tuple(_show(cell) for cell in row) for row in self.rows)]
        widths = [max(len(row[i]) for row in shown) for i in range(len(self.columns))]
        numeric = [
            all(isinstance(row[i], Decimal) or row[i] is None for row in self.rows)
            for i in range(len(self.columns))
        ]
        lines = [self.title, ""]
        for index, row in enumerate(shown):
            cells = [
                cell.rjust(width) if is_number else cell.ljust(width)
                for cell, width, is_number in zip(row, widths, numeric, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        return "\n".join(lines)


def _show(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return format_inr(cell)
    if isinstance(cell, date):
        return cell.strftime("%d-%m-%Y")
    return str(cell)


def write_csv(table: Table, path: Path) -> None:
    frame = _frame(table)
    frame.to_csv(path, index=False)


def write_xlsx(table: Table, path: Path) -> None:
    """An Excel sheet with real numbers (not text), so the accountant can add them up."""
    frame = _frame(table)
    frame.to_excel(path, index=False, sheet_name=table.title[:31] or "Report")


def _frame(table: Table) -> Any:
    import pandas as pd  # imported here: only exports pay its start-up time

    # Decimals go in as they are: CSV writes their exact text and openpyxl stores them as
    # numbers, so an accountant can add them up in Excel.
    return pd.DataFrame([list(row) for row in table.rows], columns=list(table.columns))
