"""`bahi doc read` end to end: JSON shape, the table, and bad files as one-line messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen.canvas import Canvas

from app.cli.main import main
from tests.documents.bills import Bill

MakePdf = Callable[..., tuple[Bill, Path]]


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BAHI_COMPANY", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_needs_no_company(make_pdf: MakePdf, capsys: pytest.CaptureFixture[str]) -> None:
    bill, pdf = make_pdf(0, "classic")
    code, out, _ = run(capsys, "doc", "read", str(pdf), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"fields", "confidence", "lines", "problems"}
    expected_keys = {
        "supplier_name", "supplier_gstin", "buyer_gstin", "invoice_number", "invoice_date",
        "currency", "taxable_value", "cgst", "sgst", "igst", "cess", "grand_total",
    }  # fmt: skip
    assert expected_keys <= set(data["fields"])
    for name, value in bill.truth().items():
        assert data["fields"][name] == value, name  # amounts as strings, missing as null
    assert data["fields"]["igst"] is None
    assert all(0 <= c <= 1 for c in data["confidence"].values())
    assert data["regions"]["grand_total"]["page"] == 1
    assert len(data["regions"]["grand_total"]["bbox"]) == 4
    assert [line["amount"] for line in data["lines"]] == [str(x.amount) for x in bill.lines]
    assert data["problems"] == []


def test_table(make_pdf: MakePdf, capsys: pytest.CaptureFixture[str]) -> None:
    bill, pdf = make_pdf(1, "labelled")
    code, out, _ = run(capsys, "doc", "read", str(pdf))
    assert code == 0
    assert bill.invoice_number in out and bill.supplier_gstin in out
    assert "Grand total" in out and str(bill.grand_total) in out and "Items" in out


def _bad_files(tmp: Path, good: bytes) -> dict[str, Path]:
    files = {
        "truncated.pdf": good[: len(good) // 2],
        "empty.pdf": b"",
        "notes.pdf": b"these are not the bills you are looking for\n",
        "archive.zip": b"PK\x03\x04" + bytes(100),
        "broken.png": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "no-pages.pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    }
    paths = {}
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        paths[name] = tmp / name
    locked = Canvas(str(tmp / "locked.pdf"), encrypt=pdfencrypt.StandardEncryption("secret"))
    locked.drawString(72, 700, "Invoice No.: X-1")
    locked.save()
    paths["locked.pdf"] = tmp / "locked.pdf"
    blank = Canvas(str(tmp / "blank.pdf"))
    blank.showPage()
    blank.save()
    paths["blank.pdf"] = tmp / "blank.pdf"
    paths["missing.pdf"] = tmp / "missing.pdf"
    return paths


MESSAGES = {
    "truncated.pdf": "damaged or not a complete PDF",
    "empty.pdf": "is empty (0 bytes)",
    "notes.pdf": "not a PDF or an image",
    "archive.zip": "not a PDF or an image",
    "broken.png": "damaged image",
    "no-pages.pdf": "has no pages",
    "locked.pdf": "protected by a password",
    "blank.pdf": "No text was found",
    "missing.pdf": "does not exist",
}


def test_bad_files_give_one_line(
    make_pdf: MakePdf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, pdf = make_pdf(0, "classic")
    for name, path in _bad_files(tmp_path, pdf.read_bytes()).items():
        code, out, err = run(capsys, "doc", "read", str(path), "--json")
        assert code == 1, name
        assert out == ""
        assert err.count("\n") == 1 and MESSAGES[name] in err, (name, err)
        assert "Traceback" not in err


def test_huge_pdf_is_read_up_to_the_page_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = Canvas(str(tmp_path / "huge.pdf"))
    for page in range(200):
        huge.drawString(72, 760, f"Statement page {page + 1}. Invoice No.: ST-{page + 1}")
        huge.drawString(72, 740, "Date: 05/04/2025   Grand Total 100.00")
        huge.showPage()
    huge.save()
    code, out, err = run(capsys, "doc", "read", str(tmp_path / "huge.pdf"), "--json")
    assert code == 0
    assert err.count("\n") == 1 and "has 200 pages; read the first 20" in err
    data = json.loads(out)
    assert data["pages"]["in_file"] == 200 and len(data["pages"]["read"]) == 20
    assert data["fields"]["invoice_number"] == "ST-1"
    assert "only the first 20" in data["problems"][0]["message"]
    code, out, err = run(
        capsys, "doc", "read", str(tmp_path / "huge.pdf"), "--max-pages", "2", "--json"
    )
    assert code == 0 and len(json.loads(out)["pages"]["read"]) == 2
