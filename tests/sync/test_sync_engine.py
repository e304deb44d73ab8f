"""The desktop sync engine, driven with pytest-qt over a real company and the real service:
the status bar says synced / pending N / offline, a sale is recorded while the server is
down, backoff grows, and the queue drains once the server is back."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.service import post_document
from app.money import D
from app.storage.company import Company
from app.syncing import service as sync_service
from app.ui.ops import Runner
from app.ui.sync_engine import SyncEngine
from sync.transport import Backoff
from tests.conftest import CompanyFactory
from tests.sync.pg import PgServer
from tests.sync.service import Service


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[Runner]:
    made = Runner()
    yield made
    made.shutdown()


def _sell(company: Company) -> None:
    line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), hsn="0902")
    post_document(
        company,
        DocumentDraft(
            DocKind.SALES_INVOICE,
            date(2025, 6, 1),
            (line,),
            tenders=(Tender(PaymentMode.CASH, D("200")),),
        ),
    )


def test_status_bar_follows_the_engine(
    qtbot: QtBot, runner: Runner, make_company: CompanyFactory, pg: PgServer
) -> None:
    own = Service(pg.url).start()  # a service of its own, to take down and bring back
    back = Service(pg.url, port=own.port)
    try:
        company = make_company()
        label = QLabel()
        engine = SyncEngine(company, runner, label, interval_ms=60_000, backoff=Backoff(0.05, 0.2))
        engine.start()
        assert label.text() == "Sync: not set up" and engine.next_delay_ms is None

        sync_service.create_shop(company, own.url, device_name="Till A", series_prefix="A")
        _sell(company)
        engine.start()
        assert label.text() == "Sync: pending 1"  # the outbox row came with the sale

        engine.sync_now()
        qtbot.waitUntil(lambda: label.text() == "Sync: synced", timeout=30_000)
        assert engine.next_delay_ms == 60_000  # retried on a timer even without new writes

        own.stop()
        _sell(company)  # the counter does not wait for the server
        engine.sync_now()
        qtbot.waitUntil(lambda: label.text() == "Sync: offline, pending 1", timeout=30_000)
        assert engine.next_delay_ms is not None and engine.next_delay_ms <= 60
        # the backoff timer retries by itself; each failure widens the window
        qtbot.waitUntil(lambda: engine.backoff.attempt >= 3, timeout=30_000)

        back.start()
        qtbot.waitUntil(lambda: label.text() == "Sync: synced", timeout=30_000)
        assert engine.backoff.attempt == 0
        assert sync_service.status(company).pending == 0
        engine.stop()
        runner.wait()
    finally:
        own.stop()
        back.stop()
