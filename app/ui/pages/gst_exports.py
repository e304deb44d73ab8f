"""The GST page's files for the portal: GSTR-1 and GSTR-3B JSON, and e-invoice JSON.

GSTR-1 is refused while readiness problems stand, unless the user says "Export anyway"; the
problems are checked again on the documents actually written. Files are written whole or not
at all, on the runner, with a progress dialog for long work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.gst.periods import ReturnPeriod
from app.reports.gst_readiness import Problem
from app.storage.company import Company
from app.ui.ops import JobContext, Runner
from app.ui.pages import gst_jobs as work
from app.ui.pages.gst_dialogs import SellerDialog

SHOWN_PROBLEMS = 8  # in the refusal message; the rest are under "Show details"


class PortalFiles(QObject):
    """Writes the period's files; says what it did through ``said``."""

    said = Signal(str)  # a line for the page's status
    show_problems = Signal()

    def __init__(
        self,
        company: Company,
        runner: Runner,
        page: QWidget,
        period: Callable[[], ReturnPeriod],
        problems: Callable[[], Sequence[Problem]],
    ) -> None:
        super().__init__(page)
        self.company = company
        self.runner = runner
        self.page = page
        self.period = period  # the period on screen
        self.problems = problems  # its readiness problems as last read
        self.seller = ("", "")  # PIN and town for e-invoices, as kept with the company
        self.refusal: QMessageBox | None = None

    def save_name(self, title: str, suffix: str, kinds: str) -> Path | None:
        period = self.period()
        gstin = self.company.profile.gstin or "company"
        suggested = f"{title}_{gstin}_{period.fp}{'Q' if period.quarterly else ''}.{suffix}"
        path, _ = QFileDialog.getSaveFileName(self.page, f"Save {title}", suggested, kinds)
        return Path(path) if path else None

    def gstr1(self, path: Path | None = None, *, force: bool = False) -> None:
        """Write the GSTR-1 JSON; with problems, it refuses unless the user says export anyway."""
        known = self.problems()
        if not force and known:
            self._refuse(known, path)
            return
        if path is None:
            path = self.save_name("GSTR1", "json", "JSON (*.json)")
            if path is None:
                return
        company, period, chosen = self.company, self.period(), path

        def write(ctx: JobContext) -> work.Written | work.Refused:
            return work.write_gstr1_file(company, period, chosen, force, ctx)

        self.runner.read("Export GSTR-1", write, on_done=self._gstr1_written, progress=self.page)

    def _gstr1_written(self, result: work.Written | work.Refused) -> None:
        if isinstance(result, work.Refused):  # problems that came up since the page loaded
            self._refuse(result.problems, result.path)
        else:
            self.said.emit(result.text)

    def _refuse(self, problems: Sequence[Problem], path: Path | None) -> None:
        period = self.period()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "GSTR-1 not ready",
            f"{len(problems)} problem(s) to fix before exporting GSTR-1 for {period.label}. "
            "The portal may reject the file, or the return may be wrong.",
            QMessageBox.StandardButton.Cancel,
            self.page,
        )
        box.setObjectName("gstr1Refusal")
        shown = [work.problem_line(p) for p in problems]
        box.setInformativeText("\n".join(shown[:SHOWN_PROBLEMS]))
        if len(shown) > SHOWN_PROBLEMS:
            box.setDetailedText("\n".join(shown))
        anyway = box.addButton("Export &anyway", QMessageBox.ButtonRole.DestructiveRole)
        anyway.setObjectName("exportAnyway")
        to_list = box.addButton("&Show problems", QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(button: object) -> None:
            self.refusal = None
            if button is anyway:
                self.gstr1(path, force=True)
            elif button is to_list:
                self.show_problems.emit()

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.refusal = box
        box.open()

    def gstr3b(self, path: Path | None = None) -> None:
        if path is None:
            path = self.save_name("GSTR3B", "json", "JSON (*.json)")
            if path is None:
                return
        company, period, chosen = self.company, self.period(), path

        def write(ctx: JobContext) -> work.Written:
            return work.write_gstr3b_file(company, period, chosen, ctx)

        self.runner.read(
            "Export GSTR-3B",
            write,
            on_done=lambda written: self.said.emit(written.text),
            progress=self.page,
        )

    def einvoices(self, path: Path | None = None) -> None:
        """The period's B2B documents as one e-invoice file; asks once for PIN and town."""
        pin, town = self.seller
        if not (pin and town):
            dialog = SellerDialog(
                pin, town, lambda p, t: self._einvoice_file(p, t, path, remember=True), self.page
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()
            return
        self._einvoice_file(pin, town, path, remember=False)

    def _einvoice_file(self, pin: str, town: str, path: Path | None, *, remember: bool) -> None:
        if path is None:
            path = self.save_name("einvoices", "json", "JSON (*.json)")
            if path is None:
                return
        company, period, chosen = self.company, self.period(), path

        def write(ctx: JobContext) -> work.Written:
            return work.write_einvoice_file(company, period, pin, town, chosen, ctx)

        def written(result: work.Written) -> None:
            self.said.emit(result.text)
            if remember:
                self._remember_seller(pin, town)

        self.runner.read("e-invoice JSON", write, on_done=written, progress=self.page)

    def _remember_seller(self, pin: str, town: str) -> None:
        company = self.company

        def write(_ctx: JobContext) -> None:
            work.save_seller(company, pin, town)

        def saved(_result: object) -> None:
            self.seller = (pin, town)

        self.runner.write("Save PIN and town", write, on_done=saved)
