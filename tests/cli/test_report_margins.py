"""`bahi report margins`: the real entry point on a real company folder posted through billing
(the hand-checked shop of tests/reports/margin_shop.py), figures read back as text, JSON and
CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from app.cli.main import main
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.reports.margin_shop import hand_checked


@pytest.fixture(autouse=True)
def shop(make_company: CompanyFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    company = make_company()
    hand_checked(company)
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_COMPANY", str(company.folder))
    monkeypatch.setenv("BAHI_PASSWORD", OWNER_PASSWORD)
    monkeypatch.delenv("BAHI_USER", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["report", "margins", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_json_by_invoice(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "--from", "2025-06-01", "--to", "2025-06-30", "--json"))
    assert (data["from"], data["to"], data["method"]) == ("2025-06-01", "2025-06-30", "fifo")
    invoice, note = data["documents"]
    assert invoice == {
        "date": "2025-06-15",
        "number": "INV/2526/0001",
        "kind": "sales_invoice",
        "party": "Rao Stores",
        "value": "7300.00",
        "cost": "4920.00",
        "margin": "2380.00",
        "margin_pct": "32.60",
    }
    assert (note["kind"], note["value"], note["cost"]) == ("credit_note", "-600.00", "-460.00")
    assert (data["value"], data["cost"], data["margin"], data["margin_pct"]) == (
        "6700.00",
        "4460.00",
        "2240.00",
        "33.43",
    )
    assert [i["item"] for i in data["items"]] == ["Rice", "(lines without an item)"]


def test_text_by_item_and_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = run(capsys, "--from", "2025-04-01", "--to", "2025-07-31", "--by", "item")
    lines = text.splitlines()
    assert lines[0] == "Sales margin by item 01-04-2025 to 31-07-2025 (FIFO)"
    rice = next(line for line in lines if line.startswith("Rice"))
    # 140 kg net: 7,200 - 600 + 1,950 = 8,550 of value against 4,920 - 460 + 1,380 = 5,840
    assert rice.split() == ["Rice", "KGS", "140.00", "8,550.00", "5,840.00", "2,710.00", "31.70"]
    total = next(line for line in lines if line.startswith("Total"))
    assert total.split()[-4:] == ["8,650.00", "5,840.00", "2,810.00", "32.49"]

    out = tmp_path / "margins.csv"
    run(capsys, "--from", "2025-06-01", "--to", "2025-06-30", "--csv", str(out))
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Number"] for r in rows] == ["INV/2526/0001", "CN/2526/0001", "Total"]
    assert (rows[0]["Cost"], rows[0]["Margin %"]) == ("4920.00", "32.60")


def test_only_invoice_or_item(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "margins", "--by", "party"])
    assert "invalid choice" in capsys.readouterr().err
