"""``bahi sync pair|now|status|devices --json`` as separate processes over two real company
files and the real service: set up a shop, pair a second till (code, six digits, approval),
sell on one, sync both, list the devices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from typing import Any

from sqlalchemy import select

from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.service import post_document
from app.billing.tables import documents
from app.money import D
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.sync.service import Service
from tests.sync.tills import ROOT, Till

ENV = {**os.environ, "BAHI_PASSWORD": OWNER_PASSWORD}


def bahi(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(*args: str) -> Any:
    proc = bahi(*args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out)


def read_object(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """One indented JSON object from a running command's output."""
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        lines.append(line)
        if line.rstrip() == "}":
            return dict(json.loads("".join(lines)))


def test_pair_sell_sync_and_list_devices(make_company: CompanyFactory, service: Service) -> None:
    a, b = make_company(), make_company()
    tills = [Till(a.folder, a.database_key), Till(b.folder, b.database_key)]
    a.close()
    b.close()
    ca, cb = ["--company", str(a.folder), "--json"], ["--company", str(b.folder), "--json"]

    assert run("sync", "status", *ca)["enabled"] is False
    made = run(
        "sync",
        "pair",
        "--new-shop",
        "--server",
        service.url,
        "--prefix",
        "a",
        "--name",
        "Till A",
        *ca,
    )
    assert made["prefix"] == "A"

    offering = bahi("sync", "pair", "--offer", "--prefix", "B", "--yes", *ca)
    offer = read_object(offering)
    joining = bahi("sync", "pair", "--join", offer["uri"], "--name", "Till B", *cb)
    joined = read_object(joining)
    confirm = read_object(offering)
    assert confirm["confirmation"] == joined["confirmation"]  # both screens show the digits
    assert len(joined["confirmation"]) == 6
    assert read_object(offering) == {"event": "approved"}
    assert read_object(joining)["prefix"] == "B"
    for proc in (offering, joining):
        proc.communicate(timeout=60)
        assert proc.returncode == 0

    with tills[0].open() as company:
        line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), hsn="0902")
        draft = DocumentDraft(
            DocKind.SALES_INVOICE,
            date(2025, 6, 1),
            (line,),
            tenders=(Tender(PaymentMode.CASH, D("200")),),
        )
        assert post_document(company, draft).document.number == "INV-A/2526/0001"
    assert run("sync", "status", *ca)["pending"] == 1
    assert run("sync", "now", *ca)["pushed"] == 1
    assert run("sync", "now", *cb)["applied"] == 1
    status = run("sync", "status", *cb)
    assert (status["pending"], status["quarantined"], status["series_prefix"]) == (0, 0, "B")
    with tills[1].open() as company, company.reader() as conn:
        numbers = conn.execute(select(documents.c.number)).scalars().all()
    assert numbers == ["INV-A/2526/0001"]

    devices = run("sync", "devices", *ca)
    assert sorted((d["name"], d["status"]) for d in devices) == [
        ("Till A", "active"),
        ("Till B", "active"),
    ]
