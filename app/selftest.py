"""``bahi --self-test``: does this installation work, end to end, on this computer?

Each check exercises the real components a shop depends on and prints one line:
``ok    name            12 ms`` or ``FAIL  name: reason``. The exit status is 1 when any check
failed. Nothing touches the user's data: the checks run in a temporary folder (``BAHI_HOME``
points there while they run) that is removed at the end; only the log, with the traceback of
any failure, goes to the usual data folder.

It sits beside ``app.launch``, above both the desktop program and the command line, because
one check loads the GUI and the others use the services the CLI uses.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.errors import AppError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.storage.company import Company
    from app.ui.ops import Runner
    from app.ui.shell import MainWindow

log = logging.getLogger(__name__)

PASSWORD = "self-test-password-1"  # noqa: S105 -- a throwaway company, deleted at the end
BOOKS_BEGIN = date(2025, 4, 1)
DAY = date(2025, 6, 10)  # fixed, so the tax rates in force are known
OCR_TEXT = "BAHI SELF TEST 4711"
GUI_TIMEOUT_S = 20.0


class CheckFailed(Exception):
    """A check ran but found something wrong; the message is the reason shown."""


class Skipped(CheckFailed):
    """A check that needs an earlier one which failed."""


@dataclass
class Context:
    """What the checks share: the scratch folder and the company once it exists."""

    folder: Path
    company: Company | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def need_company(self) -> Company:
        if self.company is None:
            raise Skipped("needs the company check, which failed")
        return self.company


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    ms: float
    reason: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name:<16}{self.ms:>7.0f} ms"
        return f"FAIL  {self.name}: {self.reason}"


def tesseract_hint() -> str:
    """How to install tesseract on this system (the .deb declares it, other systems may not)."""
    if sys.platform == "win32":
        return "install Tesseract OCR (see docs/releasing.md) and make sure it is on PATH"
    if sys.platform == "darwin":
        return "install it with: brew install tesseract"
    return "install the packages: sudo apt install tesseract-ocr tesseract-ocr-eng"


# The checks --------------------------------------------------------------------------------


def check_company(ctx: Context) -> None:
    """Create an encrypted company, close it and unlock it again with the password."""
    from app.ledger.service import create_books
    from app.storage.company import DB_FILE_NAME, CompanyProfile, open_company

    folder = ctx.folder / "company"
    profile = CompanyProfile("Self-Test Traders", "27", BOOKS_BEGIN, gstin="27AAPFU0939F1ZV")
    made, _recovery = create_books(folder, profile, PASSWORD)
    made.close()
    header = (folder / DB_FILE_NAME).read_bytes()[:16]
    if header.startswith(b"SQLite format 3"):
        raise CheckFailed("the company database is not encrypted (is sqlcipher3 bundled?)")
    ctx.company = open_company(folder, "owner", PASSWORD)
    ctx.closers.append(ctx.company.close)


def check_voucher(ctx: Context) -> None:
    """Post a payment, reverse it, and have the books re-verified."""
    from app.ledger.checks import check_books
    from app.ledger.model import Line, Voucher, VoucherType
    from app.ledger.queries import balances
    from app.ledger.service import post_voucher, resolve_accounts, reverse_voucher
    from app.money import D

    company = ctx.need_company()
    ids = resolve_accounts(company, ["Rent", "Cash"])
    amount = D("1234.50")
    payment = Voucher(
        VoucherType.PAYMENT,
        DAY,
        (Line(ids["Rent"], amount), Line(ids["Cash"], -amount)),
        "self-test rent",
    )
    posted = post_voucher(company, payment)
    reverse_voucher(company, posted.id, DAY, "self-test reversal")
    with company.reader() as conn:
        left = {k: v for k, v in balances(conn, DAY).items() if v}
    if left:
        raise CheckFailed(f"the reversal left balances behind: {left}")
    verdict = check_books(company)
    if not verdict.ok:
        raise CheckFailed(f"check-books found a problem: {verdict.first_problem}")


def check_invoice_pdf(ctx: Context) -> None:
    """Post a cash sale, print it with the classic template and read the PDF back."""
    import pdfplumber

    from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
    from app.billing.printing import invoice_pdf, letterhead_from, load_template
    from app.billing.service import post_document
    from app.money import D, format_inr

    company = ctx.need_company()
    line = DraftLine("Basmati rice 5 kg", D("2"), D("450"), D("5"), hsn="1006")
    draft = DocumentDraft(
        DocKind.SALES_INVOICE, DAY, (line,), tenders=(Tender(PaymentMode.CASH, D("945")),)
    )
    doc = post_document(company, draft).document
    out = io.BytesIO()
    invoice_pdf(doc, letterhead_from(company.profile), load_template("classic"), out)
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        text = " ".join((page.extract_text() or "") for page in pdf.pages)
    for wanted in (doc.number, "Basmati rice", format_inr(doc.grand_total)):
        if wanted not in text:
            raise CheckFailed(f"the printed invoice does not read back {wanted!r}")


def ocr_image() -> object:
    """A white image with one line of large black text in the bundled Noto Sans."""
    from PIL import Image, ImageDraw, ImageFont

    from app.config import resources_dir

    font = ImageFont.truetype(str(resources_dir() / "fonts" / "NotoSans-Regular.ttf"), 64)
    image = Image.new("L", (1400, 200), 255)
    ImageDraw.Draw(image).text((40, 50), OCR_TEXT, fill=0, font=font)
    return image


def check_ocr(_ctx: Context) -> None:
    """Read a generated image with the real tesseract."""
    from PIL import Image

    from app.documents import ocr

    if shutil.which("tesseract") is None:
        raise CheckFailed(f"tesseract is not installed; {tesseract_hint()}")
    try:
        lang = ocr.languages()
    except ocr.OcrUnavailable as exc:
        raise CheckFailed(f"{exc} ({tesseract_hint()})") from None
    image = ocr_image()
    assert isinstance(image, Image.Image)
    words = " ".join(word.text for word in ocr.read_words(image, lang=lang))
    if OCR_TEXT not in words:
        raise CheckFailed(f"tesseract read {words!r} instead of {OCR_TEXT!r}")


def check_assistant(_ctx: Context) -> None:
    """Load llama.cpp's shared libraries (no model is needed or loaded)."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info()
    if not info:
        raise CheckFailed("llama.cpp loaded but reported nothing about this CPU")


@contextlib.contextmanager
def _qt() -> Iterator[tuple[QApplication, Runner]]:
    """The QApplication (one per process) and a runner; an exception in a slot (a chart, a
    page) reaches sys.excepthook, not the check, so it is caught there and fails the check."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.ops import Runner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    runner = Runner()
    raised: list[BaseException] = []
    previous_hook = sys.excepthook
    sys.excepthook = lambda _kind, exc, _tb: raised.append(exc)
    try:
        yield app, runner
        app.processEvents()
    finally:
        sys.excepthook = previous_hook
        runner.shutdown()
    if raised:
        raise CheckFailed(f"the window raised {_reason(raised[0])}")


def check_chooser(_ctx: Context) -> None:
    """The first window, as a first run shows it: BAHI_HOME is empty here, so the chooser
    greets a new user and offers New company. (bench/installer.py times up to this line.)"""
    from app.ui.unlock import UnlockDialog  # as `bahi` does: the main window comes later

    with _qt() as (app, runner):
        chooser = UnlockDialog(runner)
        chooser.show()
        app.processEvents()
        page = chooser.chooser
        if not (page.welcome.isVisible() and page.create_button.isVisible()):
            raise CheckFailed("the company chooser did not show its first-run welcome")
        chooser.close()


def check_gui(ctx: Context) -> None:
    """The new-company wizard (opened, then cancelled) and the main window of the company."""
    from app.ui.shell import MainWindow
    from app.ui.wizard import FirstRunWizard

    with _qt() as (app, runner):
        wizard = FirstRunWizard(runner)
        wizard.show()
        app.processEvents()
        if not wizard.isVisible():
            raise CheckFailed("the new-company wizard did not open")
        wizard.reject()
        if ctx.company is not None:
            _show_main_window(app, MainWindow(ctx.company, runner))


def _show_main_window(app: QApplication, window: MainWindow) -> None:
    """Show it until the dashboard's figures and charts are drawn, then close it."""
    window.show()
    deadline = time.monotonic() + GUI_TIMEOUT_S
    while window.dashboard.board is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    ready = window.dashboard.board is not None
    for _ in range(20):  # the charts are drawn by a timer once the figures are in
        app.processEvents()
        time.sleep(0.005)
    window.close()
    if not ready:
        raise CheckFailed(f"the dashboard did not fill within {GUI_TIMEOUT_S:.0f} s")


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Context], None]
    needs_company: bool = False


CHECKS: tuple[Check, ...] = (
    Check("company", check_company),
    Check("voucher", check_voucher, needs_company=True),
    Check("invoice-pdf", check_invoice_pdf, needs_company=True),
    Check("ocr", check_ocr),
    Check("assistant", check_assistant),
    Check("chooser", check_chooser),
    Check("gui", check_gui),  # with a company it also builds the main window
)


# Running them ------------------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _reason(exc: BaseException) -> str:
    """One line: the check's own words, or what broke (the traceback goes to the log)."""
    if isinstance(exc, CheckFailed | AppError):
        return _one_line(str(exc))
    if isinstance(exc, ImportError):
        # numpy and others explain at length; their last line names the cause
        lines = [line for line in str(exc).splitlines() if line.strip(" )")]
        cause = lines[-1] if lines else type(exc).__name__
        return _one_line(f"a part of Bahi is missing or broken in this installation: {cause}")
    return _one_line(f"{type(exc).__name__}: {exc}")


def run_check(check: Check, ctx: Context) -> Outcome:
    began = time.perf_counter()
    try:
        check.run(ctx)
    except Exception as exc:
        if not isinstance(exc, CheckFailed):
            log.exception("self-test check %s failed", check.name)
        return Outcome(check.name, False, (time.perf_counter() - began) * 1000, _reason(exc))
    return Outcome(check.name, True, (time.perf_counter() - began) * 1000)


@contextlib.contextmanager
def scratch_home() -> Iterator[Path]:
    """A temporary BAHI_HOME for the checks, removed afterwards with everything in it."""
    before = os.environ.get("BAHI_HOME")
    folder = Path(tempfile.mkdtemp(prefix="bahi-self-test-"))
    os.environ["BAHI_HOME"] = str(folder / "home")
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop("BAHI_HOME", None)
        else:
            os.environ["BAHI_HOME"] = before
        shutil.rmtree(folder, ignore_errors=True)


def select_checks(names: Sequence[str]) -> tuple[Check, ...]:
    """All checks, or those named (in their usual order, with the company check when one of
    them needs it); unknown names raise ValueError."""
    if not names:
        return CHECKS
    known = [check.name for check in CHECKS]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown check {', '.join(unknown)}; choose from {', '.join(known)}")
    chosen = set(names)
    if any(check.needs_company for check in CHECKS if check.name in chosen):
        chosen.add("company")
    return tuple(check for check in CHECKS if check.name in chosen)


def run_self_test(names: Sequence[str] = (), out: TextIO | None = None) -> int:
    """Run the checks, print one line each; 0 when all passed, 1 otherwise."""
    stream = out or sys.stdout
    try:
        checks = select_checks(names)
    except ValueError as exc:
        print(f"bahi --self-test: {exc}", file=sys.stderr)
        return 2
    outcomes = []
    with scratch_home() as folder:
        ctx = Context(folder)
        try:
            for check in checks:
                outcome = run_check(check, ctx)
                outcomes.append(outcome)
                print(outcome.line(), file=stream, flush=True)
        finally:
            for close in reversed(ctx.closers):
                with contextlib.suppress(Exception):
                    close()
    failed = [o for o in outcomes if not o.ok]
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    """``bahi --self-test [CHECK ...]``, after ``--self-test`` itself is taken off."""
    if any(arg in ("-h", "--help") for arg in argv):
        print(
            "usage: bahi --self-test [CHECK ...]\n\n"
            "Check this installation in a temporary folder; one line per check, exit "
            "status 1 if any failed.\nChecks: " + ", ".join(c.name for c in CHECKS)
        )
        return 0
    from app.config import setup_logging

    with contextlib.suppress(OSError):  # the failures' details go to the usual log file
        setup_logging()
    return run_self_test(argv)
