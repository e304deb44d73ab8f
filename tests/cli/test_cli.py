"""The `bahi` command end to end: real company folders, real SQLCipher, in-process main()."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli.main import main

PASSWORD = "counter-pass-1"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_PASSWORD", PASSWORD)
    monkeypatch.delenv("BAHI_COMPANY", raising=False)
    monkeypatch.delenv("BAHI_USER", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "shop"
    code, out, _ = run(
        capsys,
        "company",
        "create",
        str(folder),
        "--name",
        "Kapoor Kirana",
        "--state",
        "27",
        "--gstin",
        "27AAPFU0939F1ZV",
        "--books-begin",
        "2025-04-01",
    )
    assert code == 0, out
    assert "Recovery key" in out
    return folder


def post(capsys: pytest.CaptureFixture[str], folder: Path, data: object) -> tuple[int, str, str]:
    path = folder.parent / "v.json"
    path.write_text(json.dumps(data))
    return run(capsys, "voucher", "post", "--company", str(folder), "--file", str(path), "--json")


def tb(capsys: pytest.CaptureFixture[str], folder: Path, as_of: str = "2026-03-31") -> dict:
    code, out, err = run(
        capsys, "report", "trial-balance", "--company", str(folder), "--as-of", as_of, "--json"
    )
    assert code == 0, err
    return json.loads(out)


OPENING = {
    "type": "Journal",
    "date": "2025-04-01",
    "narration": "Opening capital",
    "lines": [{"account": "Cash", "debit": "50000.00"}, {"account": "Capital", "credit": "50000"}],
}
RENT = {
    "type": "Payment",
    "date": "2025-04-05",
    "narration": "April rent",
    "lines": [{"account": "rent", "debit": "12500.50"}, {"account": "Cash", "credit": "12500.50"}],
}


def test_post_and_trial_balance_json_shape(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = post(capsys, shop, [OPENING, RENT])
    assert code == 0, err
    assert [p["number"] for p in json.loads(out)] == ["JV/2025-26/1", "PMT/2025-26/1"]
    report = tb(capsys, shop)
    assert set(report) == {"as_of", "rows", "total_debit", "total_credit"}
    rows = {r["account"]: r for r in report["rows"]}
    assert rows["Cash"] == {
        "account": "Cash",
        "group": "Cash-in-Hand",
        "debit": "37499.50",
        "credit": "0.00",
    }
    assert rows["Rent"]["debit"] == "12500.50"
    assert rows["Capital"]["credit"] == "50000.00"
    assert report["total_debit"] == report["total_credit"] == "50000.00"


@pytest.mark.parametrize(
    ("voucher", "message"),
    [
        (
            {
                **RENT,
                "lines": [{"account": "Rent", "debit": "100"}, {"account": "Cash", "credit": "99"}],
            },
            "differ by 1.00",
        ),
        (
            {
                **RENT,
                "lines": [
                    {"account": "Rent", "debit": 100.5},
                    {"account": "Cash", "credit": "100.5"},
                ],
            },
            "as strings",
        ),
        (
            {
                **RENT,
                "lines": [
                    {"account": "Rnet", "debit": "100"},
                    {"account": "Cash", "credit": "100"},
                ],
            },
            "no account named 'Rnet'",
        ),
        ({**RENT, "date": "05-04-2025"}, "not a date"),
        ({**RENT, "narative": "typo"}, "unknown field"),
        ({**RENT, "date": "2024-04-05"}, "before the books begin"),
        (
            {
                **RENT,
                "type": "Payment",
                "lines": [{"account": "Rent", "debit": "5"}, {"account": "Capital", "credit": "5"}],
            },
            "must credit a cash or bank",
        ),
    ],
)
def test_bad_voucher_changes_nothing(
    shop: Path, capsys: pytest.CaptureFixture[str], voucher: dict, message: str
) -> None:
    assert post(capsys, shop, [OPENING])[0] == 0
    before = tb(capsys, shop)
    code, _out, err = post(capsys, shop, [OPENING, voucher])  # the good one must not land either
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert tb(capsys, shop) == before


def test_locked_period(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert post(capsys, shop, [OPENING])[0] == 0
    assert run(capsys, "period", "lock", "--company", str(shop), "--until", "2025-04-30")[0] == 0
    code, _, err = post(capsys, shop, [RENT])
    assert code == 1 and "locked up to 30-04-2025" in err
    assert run(capsys, "period", "unlock", "--company", str(shop))[0] == 0
    assert post(capsys, shop, [RENT])[0] == 0


def test_wrong_password_and_missing_key_file(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAHI_PASSWORD", "not-the-password")
    code, _, err = run(capsys, "report", "trial-balance", "--company", str(shop))
    assert code == 1 and "Wrong password" in err
    monkeypatch.setenv("BAHI_PASSWORD", PASSWORD)
    (shop / "keys.json").rename(shop.parent / "keys.json.moved")
    code, _, err = run(capsys, "report", "trial-balance", "--company", str(shop))
    assert code == 1 and "key file" in err and "missing" in err


def test_corrupt_database_gives_a_message(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = shop / "company.bahi"
    data = bytearray(db.read_bytes())
    data[5000:5100] = b"\x00" * 100  # a damaged page (the header page is still fine)
    db.write_bytes(bytes(data[: len(data) // 2]))
    code, _, err = run(capsys, "check-books", "--company", str(shop))
    assert code != 0
    assert err.startswith("bahi: ") and "Traceback" not in err


def test_invalid_gstin_at_creation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "company",
        "create",
        str(tmp_path / "x"),
        "--name",
        "X",
        "--state",
        "27",
        "--gstin",
        "27AAPFU0939F1ZO",
    )
    assert code == 1 and "check character should be V" in err
    assert not (tmp_path / "x").exists()
    code, _, err = run(
        capsys,
        "company",
        "create",
        str(tmp_path / "y"),
        "--name",
        "Y",
        "--state",
        "29",
        "--gstin",
        "27AAPFU0939F1ZV",
    )
    assert code == 1 and "state 27, not 29" in err


def test_reverse_and_show(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post(capsys, shop, [OPENING, RENT])
    code, out, _ = run(
        capsys, "voucher", "reverse", "2", "--company", str(shop), "--date", "2025-04-06", "--json"
    )
    assert code == 0
    reversal = json.loads(out)
    code, out, _ = run(
        capsys, "voucher", "show", str(reversal["id"]), "--company", str(shop), "--json"
    )
    shown = json.loads(out)
    assert shown["reverses"] == 2
    assert shown["lines"] == [
        {"account": "Rent", "credit": "12500.50"},
        {"account": "Cash", "debit": "12500.50"},
    ]
    rows = {r["account"]: r for r in tb(capsys, shop)["rows"]}
    assert "Rent" not in rows and rows["Cash"]["debit"] == "50000.00"
    code, _, err = run(
        capsys, "voucher", "reverse", "2", "--company", str(shop), "--date", "2025-04-07"
    )
    assert code == 1 and "already been reversed" in err


def test_exports_read_back(shop: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import openpyxl

    post(capsys, shop, [OPENING, RENT])
    csv_path, xlsx_path = tmp_path / "tb.csv", tmp_path / "tb.xlsx"
    args = ("report", "trial-balance", "--company", str(shop), "--as-of", "2025-04-30")
    assert run(capsys, *args, "--csv", str(csv_path))[0] == 0
    assert run(capsys, *args, "--xlsx", str(xlsx_path))[0] == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "Account,Group,Debit,Credit"
    assert "Rent,Indirect Expenses,12500.50,0.00" in lines
    sheet = openpyxl.load_workbook(xlsx_path).active
    values = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(values["Rent"])) == Decimal("12500.50")
    assert isinstance(values["Rent"], (int, float))  # a number Excel can add, not text


def test_backup_restore_round_trip(
    shop: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    post(capsys, shop, [OPENING, RENT])
    code, out, _ = run(capsys, "backup", "--company", str(shop), "--to", str(tmp_path), "--json")
    assert code == 0
    backup = Path(json.loads(out)["file"])
    with zipfile.ZipFile(backup) as archive:
        db_bytes = archive.read("company.bahi")
    assert not db_bytes.startswith(b"SQLite format 3") and b"April rent" not in db_bytes

    code, _, err = run(capsys, "restore", str(backup), "--to", str(shop))
    assert code == 1 and "already holds a company" in err

    target = tmp_path / "restored"
    assert run(capsys, "restore", str(backup), "--to", str(target))[0] == 0
    assert tb(capsys, target) == tb(capsys, shop)
    assert run(capsys, "check-books", "--company", str(target))[0] == 0


def test_damaged_backup_is_refused(
    shop: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "backup", "--company", str(shop), "--to", str(tmp_path / "b.bahibak"), "--json"
    )
    backup = Path(json.loads(out)["file"])
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    code, _, err = run(capsys, "restore", str(backup), "--to", str(tmp_path / "r"))
    assert code == 1 and ("damaged" in err or "not a readable" in err)
    assert not (tmp_path / "r").exists()


def test_demo_books_are_consistent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo"
    assert run(capsys, "demo", str(demo))[0] == 0
    report = tb(capsys, demo, "2026-03-31")
    assert report["total_debit"] == report["total_credit"]
    assert Decimal(report["total_debit"]) > Decimal("1000000")
    code, out, _ = run(capsys, "check-books", "--company", str(demo), "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_gst_gstin_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gst", "gstin", "27aapfu0939f1zv")
    assert code == 0 and json.loads(out)[0]["gstin"] == "27AAPFU0939F1ZV"
    code, out, _ = run(capsys, "gst", "gstin", "27AAPFU0939F1ZV", "27AAPFU0939F1ZO")
    assert code == 1
    assert "V" in json.loads(out)[1]["problem"]
