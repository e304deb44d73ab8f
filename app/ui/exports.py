"""Saving a page's table as CSV or Excel: where to (the file dialog) and the write itself,
which runs on the runner's pool because a big table takes a while."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.reports.table import Table, write_csv, write_xlsx
from app.ui.ops import JobContext, Runner


def ask_export_path(parent: QWidget, kind: str, suggested_name: str) -> Path | None:
    """Where to export as ``kind`` ("csv" or "xlsx"); None when the user cancels."""
    label = "CSV (*.csv)" if kind == "csv" else "Excel (*.xlsx)"
    path, _ = QFileDialog.getSaveFileName(parent, "Export", suggested_name, label)
    return Path(path) if path else None


def save_on_pool(
    runner: Runner,
    name: str,
    path: Path,
    write: Callable[[Path], None],
    on_saved: Callable[[Path], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """``write(path)`` on the pool as job ``name``; ``on_saved(path)`` once it is written."""

    def work(_ctx: JobContext) -> Path:
        write(path)
        return path

    runner.read(name, work, on_done=on_saved, on_error=on_error)


def export_table(
    runner: Runner,
    table: Table,
    path: Path,
    say: Callable[[str], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """The table as Excel for a .xlsx path, otherwise as CSV; ``say("Saved PATH")`` after."""
    writer = write_xlsx if path.suffix.lower() == ".xlsx" else write_csv

    def saved(to: Path) -> None:
        say(f"Saved {to}")

    save_on_pool(runner, "Export", path, lambda to: writer(table, to), saved, on_error)
