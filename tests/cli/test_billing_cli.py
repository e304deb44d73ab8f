"""`bahi party|invoice|receipt|payment ...` end to end: the real entry point on a real company
folder (SQLCipher), figures read back from the books with the billing queries."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.billing import queries
from app.billing.model import DocKind, DocStatus, PostedDocument
from app.cli.main import main
from app.inventory.model import GodownId, ItemDraft
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.ledger.checks import check_books
from app.money import D
from app.storage.company import Company
from tests.conftest import OWNER_PASSWORD, CompanyFactory

KARNATAKA_GSTIN = "29AABCR1718E1ZL"
MAHARASHTRA_GSTIN = "27AAPFU0939F1ZV"


@pytest.fixture
def shop(make_company: CompanyFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Company:
    """A Maharashtra company with two stocked items; the CLI opens the same folder."""
    company = make_company()
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_COMPANY", str(company.folder))
    monkeypatch.setenv("BAHI_PASSWORD", OWNER_PASSWORD)
    monkeypatch.delenv("BAHI_USER", raising=False)
    rice = add_item(
        company,
        ItemDraft(
            "Basmati Rice 5kg",
            unit="PCS",
            sku="BR5",
            hsn="1006",
            gst_rate=D("5"),
            sale_price=D("450"),
            purchase_price=D("400"),
        ),
    )
    salt = add_item(
        company,
        ItemDraft(
            "Tata Salt 1kg", unit="PCS", sku="TS1", hsn="2501", gst_rate=D("5"), sale_price=D("28")
        ),
    )
    set_opening_stock(
        company,
        GodownId(1),
        [StockLine(rice, D("100"), value=D("40000")), StockLine(salt, D("200"), value=D("4800"))],
    )
    return company


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """A command that must fail with an explained message and no traceback."""
    code, out, err = run(capsys, *args)
    assert code == 1, (out, err)
    assert err.startswith("bahi: ") and "Traceback" not in err
    return err


def in_books(company: Company, number: str) -> PostedDocument:
    with company.reader() as conn:
        return queries.document_by_number(conn, number)


def assert_json_is_books(data: dict[str, Any], doc: PostedDocument) -> None:
    """Every figure the command printed is the figure the books keep."""
    assert data["id"] == doc.id and data["number"] == doc.number
    assert data["date"] == doc.doc_date.isoformat() and data["kind"] == doc.kind.value
    for field in ("taxable", "cgst", "sgst", "igst", "cess", "round_off", "grand_total"):
        assert isinstance(data[field], str), field  # money as strings, never floats
        assert D(data[field]) == getattr(doc, field), field
    assert D(data["total_tax"]) == doc.total_tax
    assert data["place_of_supply"] == doc.place_of_supply
    assert len(data["lines"]) == len(doc.lines)
    for printed, kept in zip(data["lines"], doc.lines, strict=True):
        for field in ("gross", "discount", "taxable", "cgst", "sgst", "igst", "cess"):
            assert D(printed[field]) == getattr(kept, field), field
        assert D(printed["qty"]) == kept.qty and D(printed["gst_rate"]) == kept.gst_rate
        assert printed["hsn"] == kept.hsn and printed["item_id"] == kept.item_id


def add_rao(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    return ok_json(
        capsys,
        "party",
        "add",
        "Rao Stores",
        "--gstin",
        KARNATAKA_GSTIN,
        "--address",
        "12 MG Road, Bengaluru",
        "--pin",
        "560001",
        "--phone",
        "98450 12345",
        "--credit-days",
        "30",
        *extra,
    )


# Parties ---------------------------------------------------------------------------------


def test_parties_add_list_edit_and_a_bad_gstin_is_refused(
    shop: Company, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rao = add_rao(capsys, "--credit-limit", "50000")
    assert rao["kind"] == "customer" and rao["state"] == "29" and rao["phone"] == "9845012345"
    assert rao["credit_limit"] == "50000.00"

    err = refused(capsys, "party", "add", "Bad Traders", "--gstin", "29AABCR1718E1ZM")
    assert "check character should be L, not M" in err
    err = refused(capsys, "party", "add", "Rao Stores", "--state", "29")
    assert "already has this name" in err

    supplier = ok_json(
        capsys,
        "party",
        "add",
        "Mehta Wholesale",
        "--supplier",
        "--state",
        "Maharashtra",
        "--opening-balance",
        "-1200",
    )
    assert (supplier["kind"], supplier["state"], supplier["gstin"]) == ("supplier", "27", None)

    listed = ok_json(capsys, "party", "list", "--as-of", "2025-04-30")
    balances = {p["name"]: p["balance"] for p in listed}
    assert balances == {"Mehta Wholesale": "-1200.00", "Rao Stores": "0.00"}
    assert [p["name"] for p in ok_json(capsys, "party", "list", "--search", "45012")] == [
        "Rao Stores"
    ]

    edited = ok_json(
        capsys, "party", "edit", "Rao Stores", "--phone", "99000 11111", "--credit-days", "45"
    )
    assert (edited["phone"], edited["credit_days"], edited["gstin"]) == (
        "9900011111",
        45,
        KARNATAKA_GSTIN,
    )
    assert edited["address"] == "12 MG Road, Bengaluru"  # what was not given stays
    err = refused(capsys, "party", "edit", "Rao Stores", "--pin", "5600")
    assert "PIN code '5600' must be 6 digits" in err
    with shop.reader() as conn:
        assert queries.party_by_name(conn, "Rao Stores").billing_pin == "560001"

    sheet = tmp_path / "parties.csv"
    code, _, err = run(capsys, "party", "list", "--csv", str(sheet))
    assert code == 0, err
    rows = list(csv.DictReader(sheet.open()))
    assert [r["Party"] for r in rows] == ["Mehta Wholesale", "Rao Stores"]


# Invoices --------------------------------------------------------------------------------


def test_quick_invoice_json_figures_are_the_books(
    shop: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    add_rao(capsys)
    data = ok_json(
        capsys,
        "invoice",
        "create",
        "--party",
        "Rao Stores",
        "--line",
        "BR5:2",
        "--line",
        "Tata Salt 1kg:10@27.50",
        "--date",
        "2025-06-10",
    )
    doc = in_books(shop, data["number"])
    assert_json_is_books(data, doc)
    # Maharashtra to Karnataka: IGST. 2 x 450 + 10 x 27.50 = 1175.00; 5% = 58.75.
    assert (data["taxable"], data["igst"], data["cgst"]) == ("1175.00", "58.75", "0.00")
    assert data["grand_total"] == "1234.00" and data["round_off"] == "0.25"
    assert data["number"] == "INV/2526/0001" and data["change"] == "0.00"
    assert doc.lines[0].unit_price == D("450")  # the item's sale price filled in

    # A walk-in cash sale: intra-state, change handed back from the cash.
    code, out, err = run(
        capsys, "invoice", "create", "--line", "TS1:3", "--cash", "100", "--date", "2025-06-10"
    )
    assert code == 0, err
    assert "INV/2526/0002" in out and "total 88.00" in out and "Change to give: 12.00" in out
    cash_sale = in_books(shop, "INV/2526/0002")
    assert (cash_sale.cgst, cash_sale.sgst, cash_sale.grand_total) == (
        D("2.10"),
        D("2.10"),
        D("88"),
    )

    err = refused(capsys, "invoice", "create", "--line", "TS1:3", "--date", "2025-06-10")
    assert "unpaid" in err  # a walk-in must pay in full
    err = refused(capsys, "invoice", "create", "--line", "Sugar:1", "--date", "2025-06-10")
    assert "no item named 'Sugar'" in err
    assert check_books(shop).ok


def test_invoice_from_json_file_and_stdin(
    shop: Company,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_rao(capsys)
    invoice = {
        "kind": "sales_invoice",
        "date": "2025-06-20",
        "party": "Rao Stores",
        "lines": [
            {"item": "BR5", "qty": "2", "discount": "10", "inclusive": True},
            {
                "description": "Delivery charges",
                "qty": 1,
                "price": "100",
                "gst_rate": "18",
                "hsn": "996812",
                "uqc": "OTH",
            },
        ],
        "tenders": [{"mode": "upi", "amount": "500", "reference": "UTR0091"}],
        "notes": "Deliver before noon",
    }
    path = tmp_path / "invoice.json"
    path.write_text(json.dumps(invoice))
    data = ok_json(capsys, "invoice", "create", "--from", str(path))
    doc = in_books(shop, data["number"])
    assert_json_is_books(data, doc)
    # 900 inclusive less 10% = 810 inclusive = 771.43 + 38.57; delivery 100 + 18.
    assert (data["taxable"], data["igst"], data["grand_total"]) == ("871.43", "56.57", "928.00")
    assert doc.lines[0].price_includes_tax and doc.lines[1].item_id is None
    assert doc.notes == "Deliver before noon" and data["tendered"] == "500.00"
    with shop.reader() as conn:
        (open_doc,) = queries.open_documents(conn, doc.party_id or 0)
    assert open_doc.outstanding == D("428.00")  # 500 came by UPI with the invoice

    bill = {
        "kind": "purchase_bill",
        "date": "2025-06-21",
        "party": "Rao Stores",
        "supplier_number": "RS/77",
        "lines": [{"item": "TS1", "qty": "50", "price": "24"}],
    }
    ok_json(capsys, "party", "add", "Salt Co", "--supplier", "--gstin", MAHARASHTRA_GSTIN)
    bill["party"] = "Salt Co"
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(bill)))
    data = ok_json(capsys, "invoice", "create", "--from", "-")
    assert data["number"] == "RS/77" and data["our_reference"] == "PB/2526/0001"
    assert_json_is_books(data, in_books(shop, "RS/77"))
    assert (data["cgst"], data["sgst"], data["grand_total"]) == ("30.00", "30.00", "1260.00")

    for broken, message in (
        ({**invoice, "lines": [{"item": "BR5", "qty": 1.5}]}, "JSON number with a fraction"),
        ({**invoice, "colour": "red"}, "unknown field(s) colour"),
        ({**invoice, "lines": [{"item": "BR5", "qty": "1", "rate": "5"}]}, "unknown field(s) rate"),
        ({**invoice, "party": "Nobody"}, "no customer or supplier named 'Nobody'"),
        ({**invoice, "date": "20-06-2025"}, "not a date like"),
        ({**invoice, "kind": "invoice"}, "kind 'invoice' is not one of"),
        (
            {**invoice, "party": None, "walk_in": {"name": "Joshi", "gstin": "29AABCR1718E1ZM"}},
            "check character should be L",
        ),
    ):
        path.write_text(json.dumps(broken))
        assert message in refused(capsys, "invoice", "create", "--from", str(path))
    path.write_text("{not json")
    assert "not valid JSON" in refused(capsys, "invoice", "create", "--from", str(path))


def test_a_batch_posts_all_or_none(
    shop: Company, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sale = {
        "date": "2025-07-01",
        "lines": [{"item": "TS1", "qty": "2"}],
        "tenders": [{"mode": "cash", "amount": "100"}],
    }
    bad = {**sale, "lines": [{"item": "TS1", "qty": "2", "gst_rate": "7"}]}
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([sale, sale, bad]))
    err = refused(capsys, "invoice", "create", "--from", str(path))
    assert "Document 3: Line 1: 7% is not a GST rate" in err
    # A fault only the service finds (a walk-in paying short) rolls the whole batch back too.
    short = {**sale, "tenders": [{"mode": "cash", "amount": "10"}]}
    path.write_text(json.dumps([sale, short]))
    assert "unpaid" in refused(capsys, "invoice", "create", "--from", str(path))
    with shop.reader() as conn:
        assert queries.register(conn, date(2025, 4, 1), date(2026, 3, 31), list(DocKind)) == []

    path.write_text(json.dumps([sale, sale]))
    posted = ok_json(capsys, "invoice", "create", "--from", str(path))
    # Numbers start at 1: the refused batches took none (no gaps, CGST Rule 46(b)).
    assert [p["number"] for p in posted] == ["INV/2526/0001", "INV/2526/0002"]
    # 2 x 28 + 5% = 58.80, rounded to 59.00; 41.00 back from 100.
    assert all((p["grand_total"], p["change"]) == ("59.00", "41.00") for p in posted)
    for printed in posted:
        assert_json_is_books(printed, in_books(shop, printed["number"]))


def test_show_list_cancel_and_credit_note(
    shop: Company, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_rao(capsys)
    for day in ("2025-06-10", "2025-06-11"):
        ok_json(
            capsys, "invoice", "create", "--party", "Rao Stores", "--line", "BR5:1", "--date", day
        )
    shown = ok_json(capsys, "invoice", "show", "INV/2526/0001")
    assert_json_is_books(shown, in_books(shop, "INV/2526/0001"))
    code, out, _ = run(capsys, "invoice", "show", "INV/2526/0001")
    assert code == 0 and "Place of supply: 29 (Karnataka)" in out and "Grand total: 473.00" in out

    note = ok_json(
        capsys,
        "invoice",
        "create",
        "--kind",
        "credit_note",
        "--party",
        "Rao Stores",
        "--original",
        "INV/2526/0001",
        "--reason",
        "one bag damaged",
        "--line",
        "BR5:1",
        "--date",
        "2025-06-15",
    )
    assert note["number"] == "CN/2526/0001" and note["original_number"] == "INV/2526/0001"
    assert note["original_date"] == "2025-06-10"
    err = refused(
        capsys, "invoice", "cancel", "INV/2526/0001", "--reason", "x", "--date", "2025-06-20"
    )
    assert "cancel the note first" in err

    code, out, err = run(
        capsys,
        "invoice",
        "cancel",
        "INV/2526/0002",
        "--reason",
        "billed twice",
        "--date",
        "2025-06-12",
    )
    assert code == 0, err
    assert in_books(shop, "INV/2526/0002").status is DocStatus.CANCELLED
    assert "already cancelled" in refused(
        capsys, "invoice", "cancel", "INV/2526/0002", "--reason", "again", "--date", "2025-06-12"
    )

    listed = ok_json(capsys, "invoice", "list", "--from", "2025-04-01", "--to", "2026-03-31")
    assert [(r["number"], r["status"]) for r in listed] == [
        ("CN/2526/0001", "posted"),
        ("INV/2526/0002", "cancelled"),
        ("INV/2526/0001", "posted"),
    ]
    notes = ok_json(
        capsys,
        "invoice",
        "list",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--kind",
        "credit_note",
    )
    assert [r["number"] for r in notes] == ["CN/2526/0001"] and notes[0]["grand_total"] == "473.00"
    sheet = tmp_path / "register.xlsx"
    code, _, err = run(
        capsys,
        "invoice",
        "list",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--xlsx",
        str(sheet),
    )
    assert code == 0 and sheet.stat().st_size > 0, err
    assert "no document numbered" in refused(capsys, "invoice", "show", "INV/2526/0099")
    assert check_books(shop).ok


# Receipts and payments -------------------------------------------------------------------


def test_receipts_allocate_against_bills_and_change_what_is_owed(
    shop: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    add_rao(capsys)
    first = ok_json(
        capsys,
        "invoice",
        "create",
        "--party",
        "Rao Stores",
        "--line",
        "BR5:2",
        "--date",
        "2025-06-10",
    )
    ok_json(
        capsys,
        "invoice",
        "create",
        "--party",
        "Rao Stores",
        "--line",
        "BR5:1",
        "--date",
        "2025-07-10",
    )
    shown = ok_json(capsys, "party", "show", "Rao Stores", "--as-of", "2025-08-01")
    assert (shown["balance"], shown["due_on_bills"], shown["overdue"]) == (
        "1418.00",
        "1418.00",
        "945.00",
    )
    assert [(d["number"], d["due_date"], d["days_overdue"]) for d in shown["open_documents"]] == [
        ("INV/2526/0001", "2025-07-10", 22),
        ("INV/2526/0002", "2025-08-09", 0),
    ]

    receipt = ok_json(
        capsys,
        "receipt",
        "add",
        "Rao Stores",
        "1000",
        "--mode",
        "upi",
        "--ref",
        "UTR1",
        "--date",
        "2025-08-01",
        "--against",
        f"{first['number']}=800",
    )
    assert (receipt["allocated"], receipt["on_account"]) == ("800.00", "200.00")
    shown = ok_json(capsys, "party", "show", "Rao Stores", "--as-of", "2025-08-01")
    # The ledger balance takes the whole receipt; the bill only what was allocated to it.
    assert (shown["balance"], shown["due_on_bills"]) == ("418.00", "618.00")
    assert [d["outstanding"] for d in shown["open_documents"]] == ["145.00", "473.00"]
    with shop.reader() as conn:
        open_docs = queries.open_documents(conn, shown["id"])
    assert [d.outstanding for d in open_docs] == [Decimal("145.00"), Decimal("473.00")]

    assert "allocate at most that" in refused(
        capsys, "receipt", "add", "Rao Stores", "500", "--against", f"{first['number']}=200"
    )
    assert "not an open bill of Rao Stores" in refused(
        capsys, "receipt", "add", "Rao Stores", "5", "--against", "INV/2526/0042=5"
    )
    assert "bahi receipt add" in refused(capsys, "payment", "add", "Rao Stores", "5")

    ageing = ok_json(capsys, "party", "ageing", "--as-of", "2025-09-30")
    assert ageing["parties"] == [
        {
            "party": "Rao Stores",
            "not_due": "0.00",
            "days_1_30": "0.00",
            "days_31_60": "473.00",
            "days_61_90": "145.00",
            "over_90": "0.00",
            "total": "618.00",
        }
    ]

    ok_json(capsys, "party", "add", "Mehta Wholesale", "--supplier", "--gstin", MAHARASHTRA_GSTIN)
    bill = ok_json(
        capsys,
        "invoice",
        "create",
        "--kind",
        "purchase_bill",
        "--party",
        "Mehta Wholesale",
        "--supplier-number",
        "MW-889",
        "--line",
        "BR5:10",
        "--date",
        "2025-06-12",
    )
    assert (bill["number"], bill["cgst"], bill["grand_total"]) == ("MW-889", "100.00", "4200.00")
    assert "bahi payment add" in refused(capsys, "receipt", "add", "Mehta Wholesale", "5")
    paid = ok_json(
        capsys,
        "payment",
        "add",
        "Mehta Wholesale",
        "3000",
        "--mode",
        "bank",
        "--date",
        "2025-06-20",
        "--against",
        "MW-889=3000",
    )
    assert paid["balance"] == "-1200.00"  # we still owe them
    suppliers = ok_json(capsys, "party", "ageing", "--suppliers", "--as-of", "2025-06-30")
    # No credit days: due on the bill's date, 18 days late on 30 June.
    assert [(p["party"], p["days_1_30"], p["total"]) for p in suppliers["parties"]] == [
        ("Mehta Wholesale", "1200.00", "1200.00")
    ]
    assert check_books(shop).ok


# Printing --------------------------------------------------------------------------------


def test_invoice_pdf_one_and_a_period(
    shop: Company, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("app.billing.printing", reason="app/billing/printing is not written yet")
    pdfplumber = pytest.importorskip("pdfplumber")
    add_rao(capsys)
    data = ok_json(
        capsys,
        "invoice",
        "create",
        "--party",
        "Rao Stores",
        "--line",
        "BR5:2",
        "--date",
        "2025-06-10",
    )
    ok_json(capsys, "invoice", "create", "--line", "TS1:1", "--cash", "50", "--date", "2025-06-11")
    out = tmp_path / "inv.pdf"
    code, _, err = run(capsys, "invoice", "pdf", data["number"], "--out", str(out))
    assert code == 0, err
    with pdfplumber.open(out) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert data["number"] in text and KARNATAKA_GSTIN in text
    assert "945.00" in text and "45.00" in text

    folder = tmp_path / "june"
    result = ok_json(
        capsys,
        "invoice",
        "pdf",
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-30",
        "--folder",
        str(folder),
    )
    assert len(result["files"]) == 2 and all(Path(f).exists() for f in result["files"])
    assert "--from DATE, --to DATE and --folder DIR" in refused(
        capsys, "invoice", "pdf", "--from", "2025-06-01"
    )
