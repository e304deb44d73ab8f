"""Reorder suggestions from the rate of sale and the supplier's lead time.

For each active item: daily sales = net quantity sold over the last ``history_days``
divided by those days. The reorder point is the larger of the item's reorder level and
what sells during the lead time. At or below it, order enough to last the lead time plus
``cover_days``, at least the item's reorder quantity, in whole units for counted goods.
Pandas does the aggregation; quantities stay exact (integer thousandths, then Decimal).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from app.errors import ValidationError
from app.inventory.model import ItemId, MoveKind, from_thousandths
from app.inventory.tables import items, raw_thousandths, stock_balances, stock_moves
from app.money import ZERO, round_paise, round_quantity, round_quantity_up

COUNTED_UNITS = frozenset({"NOS", "PCS", "UNT", "SET", "PRS", "BOX", "BTL", "PAC", "CTN", "DOZ"})


@dataclass(frozen=True)
class ReorderLine:
    item_id: ItemId
    name: str
    sku: str | None
    hsn: str
    unit: str
    on_hand: Decimal
    daily_sales: Decimal
    lead_time_days: int
    reorder_point: Decimal
    order_qty: Decimal
    purchase_price: Decimal

    @property
    def amount(self) -> Decimal:
        return round_paise(self.order_qty * self.purchase_price)


def reorder_suggestions(
    conn: Connection, as_of: date, *, history_days: int = 90, cover_days: int = 30
) -> list[ReorderLine]:
    import pandas as pd

    if history_days < 1 or cover_days < 0:
        raise ValidationError("Use at least one day of sales history and no negative cover.")
    since = as_of - timedelta(days=history_days - 1)
    sales = pd.DataFrame(
        conn.execute(
            select(stock_moves.c.item_id, raw_thousandths(stock_moves.c.qty)).where(
                stock_moves.c.kind.in_((MoveKind.SALE.value, MoveKind.SALES_RETURN.value)),
                stock_moves.c.move_date >= since,
                stock_moves.c.move_date <= as_of,
            )
        ).all(),
        columns=["item_id", "qty"],
        dtype="int64",
    )
    sold = (-sales.groupby("item_id")["qty"].sum()).rename("sold")
    held = pd.DataFrame(
        conn.execute(
            select(
                stock_balances.c.item_id, func.sum(raw_thousandths(stock_balances.c.qty))
            ).group_by(stock_balances.c.item_id)
        ).all(),
        columns=["item_id", "on_hand"],
        dtype="int64",
    ).set_index("item_id")["on_hand"]
    master = pd.DataFrame(
        conn.execute(
            select(
                items.c.id,
                items.c.name,
                items.c.sku,
                items.c.hsn,
                items.c.unit,
                raw_thousandths(items.c.reorder_level),
                raw_thousandths(items.c.reorder_qty),
                items.c.lead_time_days,
                items.c.purchase_price,
            ).where(items.c.active.is_(True))
        ).all(),
        columns=["item_id", "name", "sku", "hsn", "unit", "level", "min_order", "lead", "price"],
    ).set_index("item_id")
    frame = master.join(sold, how="left").join(held, how="left").fillna({"sold": 0, "on_hand": 0})
    frame = frame[(frame["sold"] > 0) | (frame["level"] > 0)]
    lines = []
    for row in frame.sort_values("name").reset_index().to_dict("records"):
        line = _suggest(row, history_days, cover_days)
        if line is not None:
            lines.append(line)
    return lines


def _suggest(row: dict[Hashable, Any], history_days: int, cover_days: int) -> ReorderLine | None:
    get = row.__getitem__
    on_hand = from_thousandths(int(get("on_hand")))
    daily = from_thousandths(max(int(get("sold")), 0)) / history_days
    lead = int(get("lead"))
    level = from_thousandths(int(get("level")))
    point = max(level, round_quantity(daily * lead))
    if on_hand > point:
        return None
    target = max(point, daily * (lead + cover_days))
    qty = max(from_thousandths(int(get("min_order"))), target - on_hand)
    unit = str(get("unit"))
    qty = round_quantity_up(qty, whole=unit in COUNTED_UNITS)
    if qty <= 0:
        return None
    sku = get("sku")
    return ReorderLine(
        item_id=ItemId(int(get("item_id"))),
        name=str(get("name")),
        sku=sku if isinstance(sku, str) else None,  # pandas fills a missing SKU with NaN
        hsn=str(get("hsn")),
        unit=unit,
        on_hand=on_hand,
        daily_sales=round_quantity(daily),
        lead_time_days=lead,
        reorder_point=point,
        order_qty=qty.quantize(Decimal("0.001")),
        purchase_price=get("price") if isinstance(get("price"), Decimal) else ZERO,
    )


PO_COLUMNS = (
    "Item",
    "SKU",
    "HSN",
    "Unit",
    "On hand",
    "Daily sales",
    "Lead time (days)",
    "Reorder point",
    "Order quantity",
    "Rate",
    "Amount",
)


def purchase_order_rows(lines: Sequence[ReorderLine]) -> list[tuple[object, ...]]:
    return [
        (
            line.name,
            line.sku or "",
            line.hsn,
            line.unit,
            line.on_hand,
            line.daily_sales,
            line.lead_time_days,
            line.reorder_point,
            line.order_qty,
            line.purchase_price,
            line.amount,
        )
        for line in lines
    ]


def write_purchase_order(lines: Sequence[ReorderLine], path: Path) -> None:
    """A draft purchase order as CSV or an Excel sheet (numbers as numbers)."""
    import pandas as pd

    total = sum((line.amount for line in lines), ZERO)
    rows = [*purchase_order_rows(lines), ("Total", *[None] * (len(PO_COLUMNS) - 2), total)]
    frame = pd.DataFrame(rows, columns=list(PO_COLUMNS))
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="Draft purchase order")
    else:
        raise ValidationError(f"{path.name}: write the purchase order as .csv or .xlsx.")
