"""`bahi item ...` and `bahi stock ...` end to end on a real company folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main

PASSWORD = "counter-pass-1"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_PASSWORD", PASSWORD)
    monkeypatch.delenv("BAHI_USER", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_items_and_stock_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shop"
    assert (
        run(
            capsys,
            "company",
            "create",
            str(folder),
            "--name",
            "Kirana",
            "--state",
            "27",
            "--books-begin",
            "2025-04-01",
        )[0]
        == 0
    )
    monkeypatch.setenv("BAHI_COMPANY", str(folder))

    code, out, err = run(
        capsys,
        "item",
        "add",
        "Tata Salt 1kg",
        "--unit",
        "pcs",
        "--sku",
        "TS1",
        "--barcode",
        "8904063200303",
        "--hsn",
        "2501",
        "--gst-rate",
        "5",
        "--mrp",
        "30",
        "--price",
        "28",
        "--convert",
        "BOX=12",
        "--list-price",
        "wholesale=26.5",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out) == {"id": 1, "name": "Tata Salt 1kg"}
    code, _, err = run(capsys, "item", "add", "Bad", "--barcode", "8904063200304")
    assert code == 1 and "last digit should be 3" in err

    code, out, err = run(
        capsys, "stock", "opening", "TS1", "--qty", "2", "--unit", "BOX", "--value", "576", "--json"
    )
    assert code == 0, err
    code, out, err = run(
        capsys,
        "stock",
        "adjust",
        "TS1",
        "--qty",
        "-1",
        "--reason",
        "torn",
        "--date",
        "2025-05-01",
        "--json",
    )
    assert code == 0, err
    code, out, _ = run(capsys, "stock", "summary", "--json")
    assert [(r["item"], r["qty"]) for r in json.loads(out)] == [("Tata Salt 1kg", "23.000")]
    code, out, _ = run(capsys, "stock", "valuation", "--as-of", "2025-05-31", "--json")
    assert json.loads(out)["total"] == "552.00"  # 23 at 24.00
    # the month's closing stock: 576 brought in, one torn (24.00) is the change in inventories
    code, out, err = run(capsys, "stock", "close", "--as-of", "2025-05-31", "--dry-run", "--json")
    assert code == 0, err
    ((due,),) = [json.loads(out)]
    assert (due["stock_value"], due["opening_stock"], due["amount"]) == (
        "552.00",
        "576.00",
        "-24.00",
    )
    assert due["voucher"] is None
    code, out, err = run(capsys, "stock", "close", "--as-of", "2025-05-31")
    assert code == 0 and "Posted JV/" in out and "Cr 24.00 against Changes in Inventories" in out
    code, out, _ = run(capsys, "stock", "close", "--as-of", "2025-05-31", "--json")
    assert [c["amount"] for c in json.loads(out)] == ["0.00"]
    code, out, _ = run(
        capsys, "stock", "ledger", "TS1", "--from", "2025-04-01", "--to", "2025-05-31", "--json"
    )
    assert [line["balance"] for line in json.loads(out)["lines"]] == ["24.000", "23.000"]
    code, out, _ = run(capsys, "item", "scan", "8904063200303", "--json")
    assert json.loads(out)["name"] == "Tata Salt 1kg"
    code, out, _ = run(capsys, "item", "list", "--search", "salt", "--json")
    assert [r["sku"] for r in json.loads(out)] == ["TS1"]

    sheet = tmp_path / "items.csv"
    sheet.write_text("name,unit,hsn,barcode\nRice,KGS,1006,\nOil,LTR,15,8904063200303\n")
    code, out, _ = run(capsys, "item", "import", str(sheet), "--json")
    preview = json.loads(out)
    assert (preview["good"], preview["written"]) == (1, False)
    assert [p["line"] for p in preview["problems"]] == [3]
    code, out, _ = run(capsys, "item", "list", "--json")
    assert [r["name"] for r in json.loads(out)] == ["Tata Salt 1kg"]  # the preview wrote nothing
    code, out, err = run(capsys, "item", "import", str(sheet), "--accept", "--skip-problems")
    assert code == 0 and "Imported 1 items" in out, err

    pdf = tmp_path / "labels.pdf"
    code, out, err = run(capsys, "item", "labels", "TS1:3", "--out", str(pdf), "--layout", "roll")
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF"), err
    code, out, _ = run(
        capsys,
        "stock",
        "settings",
        "--valuation",
        "average",
        "--negative",
        "block",
        "--scale",
        "21:5:5:weight:3",
        "--json",
    )
    assert json.loads(out) == {
        "valuation": "average",
        "negative_stock": "block",
        "scale": "21:5:5:weight:3",
    }
    code, _, err = run(
        capsys, "stock", "adjust", "TS1", "--qty", "-100", "--reason", "x", "--date", "2025-05-02"
    )
    assert code == 1 and "Not enough stock" in err
