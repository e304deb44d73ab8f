"""`bahi doc import|list|show|search|post` over a real encrypted company."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli.main import main
from app.documents import queries
from app.storage.company import Company
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.documents.bills import Bill

MakePdf = Callable[..., tuple[Bill, Path]]


@pytest.fixture
def folder(make_company: CompanyFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_PASSWORD", OWNER_PASSWORD)
    monkeypatch.delenv("BAHI_COMPANY", raising=False)
    company: Company = make_company()
    return company.folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show_search_post(
    folder: Path, make_pdf: MakePdf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bill, pdf = make_pdf(40, "classic")
    other, pdf2 = make_pdf(41, "labelled")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(pdf.read_bytes()[:300])
    code, out, err = run(
        capsys, "doc", "import", str(pdf), str(broken), str(pdf2), "--company", str(folder),
        "--json",
    )  # fmt: skip
    assert code == 1  # one file was bad; the others went in
    results = json.loads(out)
    assert [r["file"] for r in results] == [pdf.name, "broken.pdf", pdf2.name]
    assert results[1]["id"] is None and "damaged" in results[1]["error"]
    first, second = results[0]["id"], results[2]["id"]
    assert not results[0]["duplicate"]

    code, out, _ = run(capsys, "doc", "import", str(pdf), "--company", str(folder))
    assert code == 0 and f"already stored as document {first}" in out

    code, out, _ = run(capsys, "doc", "list", "--company", str(folder), "--json")
    listed = json.loads(out)
    assert [r["id"] for r in listed] == [second, first]
    assert listed[1]["grand_total"] == str(bill.grand_total)
    code, out, _ = run(
        capsys, "doc", "list", "--company", str(folder), "--json",
        "--supplier", other.supplier_gstin, "--min", str(other.grand_total),
    )  # fmt: skip
    assert [r["id"] for r in json.loads(out)] == [second]
    code, out, _ = run(capsys, "doc", "list", "--company", str(folder))
    assert code == 0 and bill.invoice_number in out and other.invoice_number in out

    code, out, _ = run(capsys, "doc", "show", str(first), "--company", str(folder), "--json")
    shown = json.loads(out)
    for name, expected in bill.truth().items():
        assert shown["fields"][name] == expected, name
    assert 0.9 < shown["confidence"]["grand_total"] <= 1
    assert shown["status"] == "draft" and shown["purchase_bill"] is None
    code, out, _ = run(capsys, "doc", "show", str(first), "--company", str(folder))
    assert "Grand total" in out and "Items" in out

    code, out, _ = run(
        capsys, "doc", "search", bill.lines[0].description.split()[0], "--company",
        str(folder), "--json",
    )  # fmt: skip
    assert first in [hit["id"] for hit in json.loads(out)]

    # No terminal, no --yes: nothing is posted.
    code, out, err = run(capsys, "doc", "post", str(first), "--company", str(folder))
    assert code == 1 and "--yes" in err and "Purchase bill from new supplier" in out
    code, out, err = run(
        capsys, "doc", "post", str(first), "--yes", "--json", "--company", str(folder)
    )
    assert code == 0, err
    posted = json.loads(out)
    assert posted["number"] == bill.invoice_number and posted["new_party"] is True
    code, out, _ = run(capsys, "doc", "show", str(first), "--company", str(folder), "--json")
    assert json.loads(out)["purchase_bill"]["reference"] == posted["reference"]

    code, _, err = run(capsys, "doc", "post", str(first), "--yes", "--company", str(folder))
    assert code == 1 and "only a draft" in err and err.count("\n") == 1


def test_missing_document(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "doc", "show", "99", "--company", str(folder))
    assert code == 1 and out == "" and "no stored document 99" in err
    assert queries.fts_query("") is None
