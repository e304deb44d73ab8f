"""The background runner: results by signal, cancellation between units of work, errors."""

from __future__ import annotations

import threading
import time
from datetime import date

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.config import log_path
from app.errors import ValidationError
from app.ledger.checks import check_books
from app.ledger.model import Line, Voucher, VoucherType
from app.ledger.service import post_voucher, resolve_accounts
from app.ledger.tables import vouchers
from app.money import D
from app.storage.company import Company
from app.ui.ops import JobContext, Runner, show_error
from tests.ui.conftest import wait_idle


def _voucher_count(company: Company) -> int:
    with company.reader() as conn:
        return int(conn.execute(select(func.count()).select_from(vouchers)).scalar_one())


def test_results_come_back_on_the_ui_thread(qtbot: QtBot, runner: Runner) -> None:
    ui_thread = threading.get_ident()
    seen: list[tuple[object, bool]] = []

    def work(ctx: JobContext) -> int:
        ctx.progress(1, 1)
        return threading.get_ident()

    job = runner.read(
        "sum",
        work,
        on_done=lambda worker: seen.append((worker, True)),
        on_progress=lambda *_: seen.append(("progress", threading.get_ident() == ui_thread)),
    )
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert seen[0] == ("progress", True)
    assert seen[-1][0] != ui_thread  # the work itself ran elsewhere


def test_work_asked_for_after_shutdown_is_not_run(qtbot: QtBot, runner: Runner) -> None:
    """A page's timer can fire after its company closed: the job is dropped, not raised."""
    ran: list[str] = []
    runner.shutdown()
    job = runner.write("late backup", lambda _ctx: ran.append("work"), on_done=ran.append)
    qtbot.wait(50)
    assert job.done
    assert ran == []


def test_cancelled_job_leaves_nothing_half_written(
    qtbot: QtBot, runner: Runner, company: Company
) -> None:
    ids = resolve_accounts(company, ["Rent", "Cash"])
    total = 40

    def post_many(ctx: JobContext) -> int:
        for n in range(total):
            ctx.check()  # between units of work, never inside one
            post_voucher(
                company,
                Voucher(
                    VoucherType.PAYMENT,
                    date(2025, 5, 1),
                    (Line(ids["Rent"], D("100.00")), Line(ids["Cash"], D("-100.00"))),
                    f"Rent part {n + 1}",
                ),
            )
            ctx.progress(n + 1, total)
            time.sleep(0.01)
        return total

    outcome: list[str] = []

    def progressed(done: int, _total: int, _text: str) -> None:
        if done >= 3:
            job.cancel()  # as the Cancel button does

    job = runner.write(
        "Post many", post_many, on_done=lambda _n: outcome.append("done"), on_progress=progressed
    )
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    wait_idle(qtbot, runner)

    assert outcome == []  # never reached its end
    assert job.token.cancelled and job.result is None and job.error is None
    done, reported_total = job.last_progress
    assert reported_total == total
    assert 3 <= done < total
    assert _voucher_count(company) == done
    assert check_books(company).ok


def test_domain_error_goes_to_the_error_handler(qtbot: QtBot, runner: Runner) -> None:
    errors: list[BaseException] = []

    def fail(_ctx: JobContext) -> None:
        raise ValidationError("Type a date after 1 April 2025.")

    job = runner.write("fail", fail, on_error=errors.append)
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert [str(e) for e in errors] == ["Type a date after 1 April 2025."]


def test_unexpected_error_opens_a_crash_dialog_with_the_log_path(qtbot: QtBot) -> None:
    box = show_error(None, RuntimeError("boom"))
    try:
        assert box.objectName() == "crashDialog"
        assert str(log_path()) in box.text()
        assert box.icon() == QMessageBox.Icon.Critical
        message = show_error(None, ValidationError("Choose another folder."))
        assert message.text() == "Choose another folder."
        message.close()
    finally:
        box.close()
