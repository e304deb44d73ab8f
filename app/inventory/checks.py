"""``check_stock``: the kept balances and per-item totals must equal the sum of the moves
(DESIGN.md §4)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from app.inventory.model import from_thousandths
from app.inventory.tables import (
    item_stock_totals,
    raw_thousandths,
    stock_balances,
    stock_moves,
)


def check_stock(conn: Connection) -> list[str]:
    """Every (item, godown, batch) whose kept balance differs from its moves, and every item
    whose kept total differs, as sentences."""
    batch_key = func.coalesce(stock_moves.c.batch_id, 0)
    from_moves = {
        (item, godown, batch): int(total)
        for item, godown, batch, total in conn.execute(
            select(
                stock_moves.c.item_id,
                stock_moves.c.godown_id,
                batch_key,
                func.sum(raw_thousandths(stock_moves.c.qty)),
            ).group_by(stock_moves.c.item_id, stock_moves.c.godown_id, batch_key)
        )
    }
    kept = {
        (item, godown, batch): int(qty)
        for item, godown, batch, qty in conn.execute(
            select(
                stock_balances.c.item_id,
                stock_balances.c.godown_id,
                stock_balances.c.batch_key,
                raw_thousandths(stock_balances.c.qty),
            )
        )
    }
    problems = []
    per_item: dict[int, int] = {}
    for (item, _, _), total in from_moves.items():
        per_item[item] = per_item.get(item, 0) + total
    totals = {
        item: int(qty)
        for item, qty in conn.execute(
            select(item_stock_totals.c.item_id, raw_thousandths(item_stock_totals.c.qty))
        )
    }
    for item in sorted(per_item.keys() | totals.keys()):
        moved, held = per_item.get(item, 0), totals.get(item, 0)
        if moved != held:
            problems.append(
                f"item {item}: the moves add up to {from_thousandths(moved)} but the item's "
                f"total says {from_thousandths(held)}"
            )
    for key in sorted(from_moves.keys() | kept.keys()):
        moved, held = from_moves.get(key, 0), kept.get(key, 0)
        if moved != held:
            item, godown, batch = key
            problems.append(
                f"item {item} in godown {godown}{f' batch {batch}' if batch else ''}: the moves "
                f"add up to {from_thousandths(moved)} but the balance says {from_thousandths(held)}"
            )
    return problems
