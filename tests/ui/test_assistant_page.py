"""The Assistant page: rules answers checked against the reports, a real local model that
streams and stops, and a download from a local HTTP server that is cancelled and resumed."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.assistant.catalog import CatalogFile, CatalogModel
from app.assistant.model_files import models_dir
from app.ledger.model import Line, Voucher, VoucherType
from app.ledger.service import add_account, post_vouchers, resolve_accounts
from app.money import D
from app.reports.statements import profit_and_loss
from app.reports.trial_balance import trial_balance
from app.storage.company import Company
from app.ui.ops import Runner
from app.ui.pages.assistant import AssistantPage
from app.ui.shell import MainWindow
from tests.ui.conftest import wait_idle

TODAY = date.today()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    from tests.assistant.gguf_writer import write_llama_gguf

    return write_llama_gguf(tmp_path_factory.mktemp("models") / "tiny-random.gguf")


def _post_some(company: Company) -> None:
    add_account(company, "Patel Traders", "Sundry Debtors")
    add_account(company, "Mehta Caterers", "Sundry Debtors")
    ids = resolve_accounts(company, ["Cash", "Sales", "Rent", "Patel Traders", "Mehta Caterers"])

    def v(kind: VoucherType, days_ago: int, narration: str, *lines: tuple[str, str]) -> Voucher:
        day = TODAY - timedelta(days=days_ago)
        return Voucher(kind, day, tuple(Line(ids[a], D(x)) for a, x in lines), narration)

    post_vouchers(
        company,
        [
            v(VoucherType.SALES, 0, "Counter sale", ("Cash", "1250.50"), ("Sales", "-1250.50")),
            v(VoucherType.SALES, 0, "Credit sale", ("Patel Traders", "4000"), ("Sales", "-4000")),
            v(VoucherType.SALES, 1, "Credit sale", ("Mehta Caterers", "2500"), ("Sales", "-2500")),
            v(VoucherType.PAYMENT, 0, "Shop rent", ("Rent", "9000"), ("Cash", "-9000")),
        ],
    )


def table_rows(page: AssistantPage) -> list[list[str]]:
    table = page.figures
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
        for r in range(table.rowCount())
    ]


def ask_and_wait(qtbot: QtBot, page: AssistantPage, question: str) -> None:
    page.question.setFocus()
    page.question.setText(question)
    qtbot.keyClick(page.question, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)


def test_rules_answers_show_the_figures_of_the_reports(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    _post_some(company)
    window.show_screen("Assistant")
    page = window.assistant
    assert window.current_screen == "Assistant"

    ask_and_wait(qtbot, page, "aaj kitna becha?")
    reply = page.replies[-1]
    assert (reply.engine, reply.tool) == ("rules", "sales_summary")
    assert page.engine.text() == "Answered by: rules"
    assert "Tool: sales_summary" in page.call.text()
    pl = profit_and_loss(company, TODAY, TODAY)
    sales = next(
        line.current for s in pl.direct_income for line in s.lines if line.label == "Sales"
    )
    figures = dict((row[0], row[1]) for row in table_rows(page))
    assert figures["Net sales"] == f"{sales:.2f}" == "5250.50"
    assert figures["Sales vouchers"] == "2"
    assert "₹5,250.50" in page.transcript.toPlainText()

    page.report_button.click()  # the report behind the answer, for the same day
    viewer = window.ledger.viewer
    assert window.current_screen == "Ledger"
    assert viewer.report.name == "Profit & loss"
    assert viewer.start.value() == TODAY and viewer.end.value() == TODAY
    qtbot.waitUntil(lambda: viewer.model.table.title.startswith("Profit"), timeout=10_000)
    wait_idle(qtbot, runner)

    window.show_screen("Assistant")
    ask_and_wait(qtbot, page, "Who owes me the most?")
    tb = {r.account: r.debit - r.credit for r in trial_balance(company, TODAY).rows}
    assert table_rows(page) == [
        ["Patel Traders", f"{tb['Patel Traders']:.2f}"],
        ["Mehta Caterers", f"{tb['Mehta Caterers']:.2f}"],
    ]
    assert page.replies[-1].tool == "outstanding"

    ask_and_wait(qtbot, page, "write a poem about accounting")
    assert page.replies[-1].tool is None and "I can answer" in page.replies[-1].answer
    assert not page.report_button.isEnabled()
    wait_idle(qtbot, runner)


def test_a_local_model_streams_its_tool_call_and_stops(
    qtbot: QtBot, runner: Runner, company: Company, tiny_model: Path
) -> None:
    page = AssistantPage(company, runner)
    qtbot.addWidget(page)
    page.show()
    models = page.models
    models.import_file(tiny_model)
    qtbot.waitUntil(lambda: models.picker.count() == 2, timeout=30_000)
    assert (models_dir() / tiny_model.name).read_bytes() == tiny_model.read_bytes()
    models.picker.setCurrentIndex(1)
    models.layers.setValue(0)  # CPU only, whatever this machine has
    models.load_button.click()
    qtbot.waitUntil(lambda: page.runtime is not None, timeout=60_000)
    assert "Loaded tiny-random" in models.status.text()
    assert page.engine.text() == "Engine: rules first, then tiny-random"

    pieces: list[str] = []
    page.question.setText("Namaste, hisaab batao")  # the rules cannot place it
    page.ask()
    assert page.job is not None
    page.job.progressed.connect(lambda _d, _t, piece: pieces.append(piece))
    assert not models.load_button.isEnabled()  # the model is not swapped while it works
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    reply = page.replies[-1]
    assert reply.engine == "model:tiny-random"
    assert len(pieces) > 1 and "".join(pieces) == page.streamed
    call = json.loads(page.streamed)  # the grammar makes it valid JSON, even from noise
    assert call["tool"] == (reply.tool or "none")
    assert "(model:tiny-random)" in page.transcript.toPlainText()
    assert page.engine.text() == "Answered by: model:tiny-random"

    answered = len(page.replies)
    page.question.setText("Namaste, hisaab batao")
    page.ask()
    page.stop_button.click()  # while the model reads the prompt: it stops at its first token
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert page.stopped and len(page.replies) == answered
    assert "Stopped." in page.transcript.toPlainText()
    assert page.ask_button.isEnabled() and not page.stop_button.isEnabled()

    page.ask("Namaste, hisaab batao")  # still warm and usable after a stop
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert len(page.replies) == answered + 1 and not page.stopped
    models.unload()
    assert page.runtime is None
    wait_idle(qtbot, runner, 30_000)


class _GatedServer(http.server.ThreadingHTTPServer):
    payload: bytes = b""
    gate: threading.Event
    ranges: list[str | None]


class _GatedHandler(http.server.BaseHTTPRequestHandler):
    """Sends the first megabyte, then waits for the gate before the rest; honours Range."""

    server: _GatedServer

    def do_GET(self) -> None:
        data = self.server.payload
        wanted = self.headers.get("Range")
        self.server.ranges.append(wanted)
        start = int(wanted.removeprefix("bytes=").rstrip("-")) if wanted else 0
        self.send_response(206 if wanted else 200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        try:
            self.wfile.write(data[start : start + (1 << 20)])
            self.wfile.flush()
            if not wanted:
                self.server.gate.wait(30)
            self.wfile.write(data[start + (1 << 20) :])
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tiny_model: Path) -> Iterator[_GatedServer]:
    httpd = _GatedServer(("127.0.0.1", 0), _GatedHandler)
    httpd.payload = tiny_model.read_bytes()
    httpd.gate = threading.Event()
    httpd.ranges = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.gate.set()
    httpd.shutdown()
    httpd.server_close()


def test_download_manager_cancels_resumes_and_verifies(
    qtbot: QtBot, runner: Runner, company: Company, server: _GatedServer
) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}/tiny-random.gguf"
    digest = hashlib.sha256(server.payload).hexdigest()
    item = CatalogFile("F32", "tiny-random.gguf", round(len(server.payload) / 1e6), url, digest)
    catalog = (
        CatalogModel(
            "tiny-random", "Tiny random", "llama", 1024, "gguf", 0.1, 0.001, ("tests",), "F32",
            (item,),
        ),
    )  # fmt: skip
    page = AssistantPage(company, runner, catalog=catalog)
    qtbot.addWidget(page)
    models = page.models
    models.download_button.click()
    qtbot.waitUntil(lambda: models.progress.value() >= 1024, timeout=30_000)  # 1 MB in
    assert models.progress.maximum() == len(server.payload) // 1024
    models.cancel_button.click()
    server.gate.set()
    qtbot.waitUntil(lambda: not models.busy, timeout=30_000)
    assert "cancelled" in models.download_status.text()
    partial = models_dir() / "tiny-random.gguf.part"
    assert partial.stat().st_size >= 1 << 20
    assert not (models_dir() / "tiny-random.gguf").exists()

    models.download_button.click()  # resumes where it stopped, then checks the sha256
    qtbot.waitUntil(lambda: not models.busy, timeout=30_000)
    assert "Installed tiny-random.gguf" in models.download_status.text()
    assert server.ranges[0] is None and server.ranges[1] is not None
    assert (models_dir() / "tiny-random.gguf").read_bytes() == server.payload
    qtbot.waitUntil(lambda: models.picker.count() == 2, timeout=10_000)
    assert "Tiny random" in models.picker.itemText(1)
    wait_idle(qtbot, runner)


def test_dashboard_tile_shows_the_forecast_and_the_flags(
    qtbot: QtBot, window: MainWindow, runner: Runner, company: Company
) -> None:
    add_account(company, "Gupta Wholesale", "Sundry Creditors")
    ids = resolve_accounts(company, ["Cash", "Sales", "Purchases", "Gupta Wholesale"])
    # Four weeks of counter sales: 1,000 a day, 3,000 on Sundays; one bill entered twice.
    days = [TODAY - timedelta(days=n) for n in range(28)]
    sales = [
        Voucher(
            VoucherType.SALES,
            day,
            (
                Line(ids["Cash"], D("3000" if day.weekday() == 6 else "1000")),
                Line(ids["Sales"], -D("3000" if day.weekday() == 6 else "1000")),
            ),
            "Counter sales",
        )
        for day in days
    ]
    bill = (Line(ids["Purchases"], D("5600")), Line(ids["Gupta Wholesale"], -D("5600")))
    twice = [
        Voucher(VoucherType.PURCHASE, TODAY - timedelta(days=d), bill, "", "GW/77") for d in (3, 1)
    ]
    post_vouchers(company, [*sales, *twice])
    page = window.dashboard
    window.show_screen("Dashboard")
    wait_idle(qtbot, runner)  # the first paint, of the empty books, is over
    page.insights = None
    page.refresh()
    qtbot.waitUntil(lambda: page.insights is not None, timeout=20_000)
    tile = page.tiles["insights"]
    assert tile.value.text() == "₹ 9,000.00"  # six days of 1,000 and a Sunday of 3,000
    assert tile.detail.text().startswith("1 to check")
    tile.setFocus()
    qtbot.keyClick(tile, Qt.Key.Key_Return)  # the tile opens the assistant
    assert window.current_screen == "Assistant"
    ask_and_wait(qtbot, window.assistant, "anything unusual?")
    assert "possible duplicate bill from Gupta Wholesale" in window.assistant.replies[-1].answer
    wait_idle(qtbot, runner)
