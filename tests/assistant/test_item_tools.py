"""Top items, stock of an item and outstanding with open bills, over a real shop's documents.

The figures are checked against billing's register and inventory's stock summary, not
against the tools' own reads.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.assistant.ask import ask_rules
from app.assistant.tools import run_tool
from app.billing import queries as billing
from app.billing.model import (
    Address,
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
)
from app.billing.parties import add_party
from app.billing.service import cancel_document, post_document
from app.cli.main import main
from app.inventory.model import GodownId, ItemDraft
from app.inventory.queries import godown_list
from app.inventory.service import StockLine, add_item, set_opening_stock
from app.inventory.stock_reports import stock_summary
from app.money import D
from app.storage.company import Company
from tests.conftest import OWNER_PASSWORD

JUNE = {"start": "2025-06-01", "end": "2025-06-30"}
PARLE_BARCODE = "8901063010017"


def ean13(body: str) -> str:
    total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


class Shop:
    """Four items with opening stock, a customer on credit and a week of June sales."""

    def __init__(self, company: Company) -> None:
        self.company = company
        barcode = ean13(PARLE_BARCODE[:12])
        self.barcode = barcode
        self.parle = add_item(
            company,
            ItemDraft("Parle-G Biscuit 100g", "PCS", sku="PG100", barcodes=(barcode,),
                      hsn="1905", gst_rate=D("5"), sale_price=D("10")),
        )  # fmt: skip
        self.parle_big = add_item(
            company,
            ItemDraft("Parle-G Biscuit 250g", "PCS", hsn="1905", gst_rate=D("5"),
                      sale_price=D("25")),
        )  # fmt: skip
        self.maggi = add_item(
            company,
            ItemDraft("Maggi Noodles 70g", "PCS", hsn="1902", gst_rate=D("5"),
                      sale_price=D("14")),
        )  # fmt: skip
        self.salt = add_item(
            company,
            ItemDraft("Tata Salt 1kg", "PCS", hsn="2501", gst_rate=D("0"), sale_price=D("28"),
                      reorder_level=D("20")),
        )  # fmt: skip
        with company.reader() as conn:
            godown = GodownId(godown_list(conn)[0].id)
        set_opening_stock(
            company,
            godown,
            [
                StockLine(self.parle, D("100"), value=D("800")),
                StockLine(self.parle_big, D("40"), value=D("800")),
                StockLine(self.maggi, D("60"), value=D("720")),
                StockLine(self.salt, D("24"), value=D("600")),
            ],
        )
        self.customer = add_party(
            company,
            PartyDraft("Patel Traders", PartyKind.CUSTOMER, state_code="27",
                       billing=Address("Station Road, Pune", pin="411001"), credit_days=15),
        )  # fmt: skip

    def line(self, item: int, qty: str, price: str, rate: str = "5") -> DraftLine:
        names = {
            self.parle: "Parle-G Biscuit 100g",
            self.parle_big: "Parle-G Biscuit 250g",
            self.maggi: "Maggi Noodles 70g",
            self.salt: "Tata Salt 1kg",
        }
        return DraftLine(names[item], D(qty), D(price), D(rate), item_id=item, uqc="PCS")

    def credit_sale(self, day: date, *lines: DraftLine) -> int:
        draft = DocumentDraft(DocKind.SALES_INVOICE, day, lines, party_id=self.customer)
        return int(post_document(self.company, draft).document.id)


@pytest.fixture
def shop(company: Company) -> Shop:
    made = Shop(company)
    made.credit_sale(
        date(2025, 6, 2), made.line(made.parle, "30", "10"), made.line(made.maggi, "10", "14")
    )
    made.credit_sale(
        date(2025, 6, 9),
        made.line(made.maggi, "20", "14"),
        made.line(made.salt, "8", "28", "0"),
        DraftLine("Carry bag", D("3"), D("5"), D("0"), hsn="3923"),
    )
    cancelled = made.credit_sale(date(2025, 6, 10), made.line(made.parle_big, "30", "25"))
    cancel_document(company, cancelled, date(2025, 6, 10), "entered twice")
    made.credit_sale(date(2025, 7, 1), made.line(made.parle_big, "10", "25"))  # July
    return made


def register_taxable(company: Company, start: date, end: date) -> Decimal:
    """Taxable value of posted sales invoices in the period, from billing's register."""
    with company.reader() as conn:
        rows = billing.register(conn, start, end, [DocKind.SALES_INVOICE])
    return sum((r.taxable for r in rows if r.status.value == "posted"), Decimal(0))


def test_top_items_from_posted_sales_lines(shop: Shop) -> None:
    result = run_tool(shop.company, "top_items", JUNE)
    # Maggi 30 x 14 = 420; Parle-G 30 x 10 = 300; salt 8 x 28 = 224; bag 15; cancelled left out.
    assert [(i["item"], i["qty"], i["amount"]) for i in result["items"]] == [
        ("Maggi Noodles 70g", "30", "420.00"),
        ("Parle-G Biscuit 100g", "30", "300.00"),
        ("Tata Salt 1kg", "8", "224.00"),
        ("Carry bag", "3", "15.00"),
    ]
    assert result["items_sold"] == 4
    assert D(result["total_amount"]) == register_taxable(
        shop.company, date(2025, 6, 1), date(2025, 6, 30)
    )
    assert result["items"][0]["documents"] == 2
    assert result["link"]["screen"] == "Sales"

    by_qty = run_tool(shop.company, "top_items", {**JUNE, "by": "quantity", "limit": 2})
    assert [i["item"] for i in by_qty["items"]] == ["Maggi Noodles 70g", "Parle-G Biscuit 100g"]
    july = run_tool(shop.company, "top_items", {"start": "2025-07-01", "end": "2025-07-31"})
    assert [(i["item"], i["amount"]) for i in july["items"]] == [("Parle-G Biscuit 250g", "250.00")]


def test_a_credit_note_takes_returned_goods_off_the_item(shop: Shop) -> None:
    with shop.company.reader() as conn:
        invoice = billing.document_by_number(conn, "INV/2526/0002", DocKind.SALES_INVOICE)
    note = DocumentDraft(
        DocKind.CREDIT_NOTE,
        date(2025, 6, 20),
        (shop.line(shop.maggi, "5", "14"),),
        party_id=shop.customer,
        original_id=invoice.id,
        reason="damaged packets returned",
    )
    post_document(shop.company, note)
    result = run_tool(shop.company, "top_items", JUNE)
    maggi = next(i for i in result["items"] if i["item"].startswith("Maggi"))
    assert (maggi["qty"], maggi["amount"]) == ("25", "350.00")


def summary(company: Company) -> dict[str, Decimal]:
    with company.reader() as conn:
        return {row.name: row.qty for row in stock_summary(conn)}


def test_stock_of_an_item_by_loose_name_sku_and_barcode(shop: Shop) -> None:
    on_hand = summary(shop.company)
    both = run_tool(shop.company, "stock_of_item", {"item": "parle-g"})
    assert [(i["item"], D(i["on_hand"])) for i in both["items"]] == [
        ("Parle-G Biscuit 100g", on_hand["Parle-G Biscuit 100g"]),
        ("Parle-G Biscuit 250g", on_hand["Parle-G Biscuit 250g"]),
    ]
    assert on_hand["Parle-G Biscuit 100g"] == 70 and on_hand["Parle-G Biscuit 250g"] == 30
    for wanted in ("PG100", shop.barcode, "parle-g biscuit 100G"):
        one = run_tool(shop.company, "stock_of_item", {"item": wanted})
        assert [i["item"] for i in one["items"]] == ["Parle-G Biscuit 100g"], wanted
    typo = run_tool(shop.company, "stock_of_item", {"item": "magi noodle"})
    assert [(i["item"], i["on_hand"]) for i in typo["items"]] == [("Maggi Noodles 70g", "30")]
    assert typo["link"]["command"] == "bahi stock ledger 'Maggi Noodles 70g'"
    none = run_tool(shop.company, "stock_of_item", {"item": "Colgate"})
    assert none["items"] == [] and none["link"] is None


def test_without_an_item_the_low_stock_list(shop: Shop) -> None:
    result = run_tool(shop.company, "stock_of_item", {})
    assert [(i["item"], i["on_hand"], i["reorder_level"]) for i in result["low_stock"]] == [
        ("Tata Salt 1kg", "16", "20")
    ]
    salt = run_tool(shop.company, "stock_of_item", {"item": "tata salt"})["items"][0]
    assert salt["low"] is True


def test_outstanding_carries_open_bills_and_their_age(shop: Shop) -> None:
    as_of = "2025-07-10"
    party = run_tool(
        shop.company, "outstanding", {"side": "receivable", "as_of": as_of, "party": "Patel"}
    )
    with shop.company.reader() as conn:
        open_bills = billing.open_documents(conn, shop.customer)
    assert [b["number"] for b in party["open_bills"]] == [d.number for d in open_bills]
    assert D(party["owes_you"]) == sum(d.outstanding for d in open_bills)
    first = party["open_bills"][0]
    assert (first["due"], first["days_overdue"]) == ("2025-06-17", 23)
    listing = run_tool(shop.company, "outstanding", {"side": "receivable", "as_of": as_of})
    assert listing["parties"][0]["party"] == "Patel Traders"
    assert D(listing["parties"][0]["overdue"]) == sum(
        d.outstanding for d in open_bills if d.due_date < date(2025, 7, 10)
    )
    assert sum(D(v) for v in listing["ageing"].values()) == D(listing["total"])


@pytest.mark.parametrize(
    ("question", "tool", "words"),
    [
        ("kitna stock bacha hai Parle-G ka?", "stock_of_item", ("70 PCS", "30 PCS")),
        ("top 5 items in June 2025", "top_items", ("Maggi Noodles 70g", "₹420.00")),
        ("sabse zyada kya bika june 2025 mein", "top_items", ("Maggi Noodles 70g sold the most",)),
        ("low stock items", "stock_of_item", ("Tata Salt 1kg 16 PCS (reorder at 20)",)),
    ],
)
def test_questions_answered_from_the_shop(
    shop: Shop, question: str, tool: str, words: tuple[str, ...]
) -> None:
    reply = ask_rules(shop.company, question, date(2025, 7, 10))
    assert reply.tool == tool
    for word in words:
        assert word in reply.answer, reply.answer


def test_bahi_ask_prints_the_stock_and_the_command_behind_it(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_PASSWORD", OWNER_PASSWORD)
    folder = str(shop.company.folder)
    assert main(["ask", "Maggi ka stock", "--company", folder, "--model", "none"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Stock in hand now: Maggi Noodles 70g: 30 PCS.",
        "(from the books: bahi stock ledger 'Maggi Noodles 70g')",
    ]
    assert main(["ask", "top 2 items in june 2025", "--company", folder, "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert (reply["tool"], reply["args"]["limit"]) == ("top_items", 2)
    assert [i["item"] for i in reply["result"]["items"]] == [
        "Maggi Noodles 70g", "Parle-G Biscuit 100g",
    ]  # fmt: skip
