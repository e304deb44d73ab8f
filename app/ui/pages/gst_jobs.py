"""The GST page's work, run on the runner's threads: no Qt here, plain values back.

Reading a period, writing the portal's files (whole or not at all) and marking a return
filed; the page only submits these and shows what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.billing import filing
from app.billing import queries as billing_queries
from app.billing.model import DocKind, DocumentId, PostedDocument
from app.errors import ValidationError
from app.gst.periods import ReturnPeriod, parse_period
from app.reports.einvoice import (
    einvoice_batch,
    einvoice_file_json,
    seller_details,
)
from app.reports.gst_readiness import Problem
from app.reports.gst_returns import PeriodBooks, gstr1_books, period_books
from app.reports.gstr1 import Gstr1Summary, validate_gstr1, write_gstr1
from app.reports.gstr3b import Gstr3bSummary, gstr3b_json
from app.reports.table import Cell, Table
from app.storage.company import Company
from app.storage.files import write_whole
from app.storage.settings import PIN_SETTING, TOWN_SETTING, read_setting, write_setting
from app.ui.ops import JobContext

# The same keys as `bahi gst einvoice` (app/cli/gst.py), so the CLI and the page share them.
GST_START = date(2017, 7, 1)  # GST began on 1 July 2017: no return before it
EINVOICE_KINDS = frozenset({DocKind.SALES_INVOICE, DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE})


# -- periods ---------------------------------------------------------------------------------


def _quarter_text(day: date) -> str:
    fy_year = day.year if day.month >= 4 else day.year - 1
    return f"{fy_year}-Q{(day.month - 4) % 12 // 3 + 1}"


def period_label(period: ReturnPeriod) -> str:
    if not period.quarterly:
        return period.label
    fy_year = period.start.year if period.start.month >= 4 else period.start.year - 1
    quarter = (period.start.month - 4) % 12 // 3 + 1
    return f"Q{quarter} {fy_year}-{(fy_year + 1) % 100:02d} ({period.label})"


def period_choices(books_begin: date, today: date, quarterly: bool) -> list[tuple[str, str]]:
    """(text for parse_period, label) from the current period back to the books' first one;
    the second entry is always the last period that has ended (the one usually filed)."""
    step_months = 3 if quarterly else 1
    current = parse_period(_quarter_text(today) if quarterly else f"{today:%Y-%m}")
    first_day = max(min(books_begin, current.start), GST_START)
    choices: list[tuple[str, str]] = []
    start = current.start
    while True:
        text = _quarter_text(start) if quarterly else f"{start:%Y-%m}"
        choices.append((text, period_label(parse_period(text))))
        if start <= first_day and len(choices) >= 2:
            break
        month = start.month - step_months
        start = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        if start < GST_START:
            break
    return choices


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodView:
    """What the page shows for one period."""

    period: ReturnPeriod
    documents: Mapping[DocumentId, PostedDocument]  # the period's, and the originals of notes
    gstr1: Gstr1Summary | None
    gstr1_fault: str  # why the summary could not be made ("" when it was)
    gstr3b: Gstr3bSummary | None
    gstr3b_fault: str
    problems: tuple[Problem, ...]
    filed: tuple[filing.Filing, ...]  # returns marked filed for a period overlapping this one
    pin: str
    town: str


def _books(company: Company, period: ReturnPeriod) -> PeriodBooks:
    with company.reader() as conn:
        return period_books(conn, company.profile, period)


def read_period(company: Company, period: ReturnPeriod, ctx: JobContext) -> PeriodView:
    ctx.progress(0, 4, f"Reading the documents of {period.label}…")
    with company.reader() as conn:
        books = period_books(conn, company.profile, period)
        filed = tuple(
            f
            for f in filing.filings(conn)
            if f.period_start <= period.end and f.period_end >= period.start
        )
        pin = read_setting(conn, PIN_SETTING) or ""
        town = read_setting(conn, TOWN_SETTING) or ""
    ctx.check()
    ctx.progress(1, 4, "Checking for problems…")
    problems = tuple(books.problems())
    ctx.check()
    ctx.progress(2, 4, "Summing GSTR-1…")
    gstr1: Gstr1Summary | None = None
    gstr3b: Gstr3bSummary | None = None
    gstr1_fault = gstr3b_fault = ""
    try:
        gstr1 = books.gstr1_summary()
    except ValidationError as exc:  # a document that fits no table: the problems name it
        gstr1_fault = f"GSTR-1 cannot be summed until this is fixed: {exc}"
    ctx.check()
    ctx.progress(3, 4, "Summing GSTR-3B…")
    try:
        gstr3b = books.gstr3b_summary()
    except ValidationError as exc:
        gstr3b_fault = f"GSTR-3B cannot be summed until this is fixed: {exc}"
    return PeriodView(
        period,
        {d.id: d for d in books.documents},
        gstr1,
        gstr1_fault,
        gstr3b,
        gstr3b_fault,
        problems,
        filed,
        pin,
        town,
    )


def read_document(company: Company, document_id: DocumentId) -> PostedDocument:
    with company.reader() as conn:
        return billing_queries.document(conn, document_id)


# -- what the page says ----------------------------------------------------------------------


def problem_line(problem: Problem) -> str:
    return f"{problem.number or 'Company'}: {problem.message}"


def problems_table(view: PeriodView) -> Table:
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (p.number or "Company", p.message) for p in view.problems
    )
    return Table(f"GST problems {view.period.label}", ("Document", "Problem"), rows)


def filed_text(filed: Sequence[filing.Filing]) -> str:
    parts = []
    for return_type in filing.RETURNS:
        done = [f for f in filed if f.return_type == return_type]
        if not done:
            parts.append(f"{return_type}: not filed")
            continue
        f = done[0]
        arn = f" (ARN {f.arn})" if f.arn else ""
        parts.append(f"{return_type}: filed on {f.filed_on:%d-%m-%Y}{arn}")
    return " · ".join(parts)


def status_text(view: PeriodView) -> str:
    count = len(view.problems)
    if count:
        return (
            f"{period_label(view.period)}: {count} problem(s) to fix before exporting GSTR-1; "
            "see the Problems tab."
        )
    return f"{period_label(view.period)}: no problems found, ready to export."


# -- files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    path: Path
    text: str  # for the status line


@dataclass(frozen=True)
class Refused:
    """GSTR-1 not written: these problems stand and the user did not say export anyway."""

    problems: tuple[Problem, ...]
    path: Path


def unwritable(path: Path, reason: str = "") -> ValidationError:
    why = f" ({reason})" if reason else ""
    return ValidationError(
        f"Could not write {path}{why}. Choose a folder you may write to, with space free."
    )


def guarded(path: Path, write: Callable[[], None]) -> None:
    """A disk fault (no such folder, no permission, disk full) told as what to do."""
    try:
        write()
    except OSError as exc:
        raise unwritable(path, exc.strerror or str(exc)) from None


def _write_whole(path: Path, text: str) -> None:
    guarded(path, lambda: write_whole(path, text))


def write_gstr1_file(
    company: Company, period: ReturnPeriod, path: Path, force: bool, ctx: JobContext
) -> Written | Refused:
    """GSTR-1 for the portal's offline tool; refused while problems stand unless ``force``.
    Read without the documents whole, as ``bahi gst gstr1`` does: a month may be 50,000."""
    ctx.progress(0, 0, f"Reading the documents of {period.label}…")
    with company.reader() as conn:
        books = gstr1_books(conn, company.profile, period)
    ctx.check()
    problems = tuple(books.problems())  # checked again: documents may have changed since
    if problems and not force:
        return Refused(problems, path)
    ctx.progress(0, 0, "Building GSTR-1…")
    data = books.gstr1()
    faults = validate_gstr1(data)
    if faults:
        raise ValidationError("The return does not match the portal's shape: " + faults[0])
    ctx.check()
    guarded(path, lambda: write_gstr1(data, path))
    unfixed = f", with {len(problems)} problem(s) left unfixed" if problems else ""
    return Written(path, f"Wrote GSTR-1 for {period.label} to {path}{unfixed}.")


def write_gstr3b_file(
    company: Company, period: ReturnPeriod, path: Path, ctx: JobContext
) -> Written:
    ctx.progress(0, 0, f"Reading the documents of {period.label}…")
    books = _books(company, period)
    ctx.check()
    _write_whole(path, gstr3b_json(books.gstr3b(), pretty=True))
    return Written(path, f"Wrote GSTR-3B for {period.label} to {path}.")


def einvoice_documents(company: Company, period: ReturnPeriod) -> list[PostedDocument]:
    """The period's invoices and notes to registered buyers and abroad, not cancelled."""
    with company.reader() as conn:
        found = billing_queries.documents_between(conn, period.start, period.end, EINVOICE_KINDS)
    return [d for d in found if not d.cancelled and (d.is_b2b or d.export is not None)]


def write_einvoice_file(
    company: Company, period: ReturnPeriod, pin: str, town: str, path: Path, ctx: JobContext
) -> Written:
    """Schema 1.1 requests for every B2B document of the period, all or none."""
    ctx.progress(0, 0, f"Reading the B2B documents of {period.label}…")
    seller = seller_details(company.profile, pin, town)
    documents = einvoice_documents(company, period)
    if not documents:
        raise ValidationError(
            f"{period.label} has no invoices or notes to registered buyers or abroad, so there "
            "is nothing to e-invoice."
        )
    ctx.check()
    requests = einvoice_batch(seller, documents)
    _write_whole(path, einvoice_file_json(requests, pretty=True))
    return Written(path, f"Wrote {len(requests)} e-invoice(s) for {period.label} to {path}.")


def save_seller(company: Company, pin: str, town: str) -> None:
    with company.unit_of_work() as uow:
        write_setting(uow, PIN_SETTING, pin)
        write_setting(uow, TOWN_SETTING, town)
        uow.commit()
