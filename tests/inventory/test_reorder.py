"""Reorder suggestions from the rate of sale and lead time; the draft purchase order."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl

from app.inventory.model import GodownId, ItemDraft, Move, MoveKind, StockEntry
from app.inventory.reorder import reorder_suggestions, write_purchase_order
from app.inventory.service import add_item, post_stock
from app.money import D
from app.storage.company import Company

MAIN = GodownId(1)
AS_OF = date(2025, 6, 29)  # 90 days from 1 April


def test_suggestions_follow_sales_velocity_and_lead_time(company: Company, tmp_path: Path) -> None:
    fast = add_item(
        company,
        ItemDraft(
            name="Milk",
            unit="NOS",
            sku="MILK",
            lead_time_days=2,
            purchase_price=D("25.00"),
            reorder_qty=D("10"),
        ),
    )
    slow = add_item(
        company,
        ItemDraft(
            name="Rice",
            unit="KGS",
            lead_time_days=7,
            reorder_level=D("50"),
            purchase_price=D("40.00"),
        ),
    )
    idle = add_item(company, ItemDraft(name="Pen", unit="NOS"))
    post_stock(
        company,
        StockEntry(
            MoveKind.PURCHASE,
            date(2025, 4, 1),
            "bill",
            "1",
            (
                Move(fast, MAIN, D("1000"), D("25000")),
                Move(slow, MAIN, D("40"), D("1600")),
                Move(idle, MAIN, D("5"), D("25")),
            ),
        ),
    )
    # milk: 10 a day for 90 days = 900 sold, 100 left
    for n in range(90):
        post_stock(
            company,
            StockEntry(
                MoveKind.SALE,
                date(2025, 4, 1) + timedelta(days=n),
                "invoice",
                str(n),
                (Move(fast, MAIN, D("-10")),),
            ),
        )
    with company.reader() as conn:
        assert reorder_suggestions(conn, AS_OF) == [
            line for line in reorder_suggestions(conn, AS_OF) if line.item_id in (fast, slow)
        ]
        lines = {line.name: line for line in reorder_suggestions(conn, AS_OF, cover_days=30)}
    # milk: 100 on hand > 2 days x 10 = 20: no order yet
    assert "Milk" not in lines
    # rice: no sales, but 40 is under the reorder level 50: order up to it
    rice = lines["Rice"]
    assert (rice.on_hand, rice.reorder_point, rice.order_qty) == (D("40"), D("50"), D("10"))
    assert rice.amount == D("400.00")
    for n in range(9):  # sell milk down to 10: 3 days at 10 a day under the 2-day lead time
        post_stock(
            company,
            StockEntry(MoveKind.SALE, AS_OF, "invoice", f"x{n}", (Move(fast, MAIN, D("-10")),)),
        )
    with company.reader() as conn:
        milk = {line.name: line for line in reorder_suggestions(conn, AS_OF)}["Milk"]
    # 990 sold in 90 days = 11 a day; lead 2 + cover 30 = 352 needed, 10 on hand: order 342
    assert milk.daily_sales == D("11.000")
    assert milk.reorder_point == D("22.000")
    assert milk.order_qty == D("342")
    assert milk.sku == "MILK"
    write_purchase_order([rice, milk], tmp_path / "po.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "po.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Item" and values[1][0] == "Rice" and values[2][0] == "Milk"
    assert values[-1][0] == "Total" and Decimal(str(values[-1][-1])) == D("400") + D("8550")
    write_purchase_order([rice], tmp_path / "po.csv")
    assert "Rice,,,KGS,40.000" in (tmp_path / "po.csv").read_text()
