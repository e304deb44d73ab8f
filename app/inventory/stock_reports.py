"""Stock reports: summary, item ledger, batches and expiry, movement analysis, valuation.

Each returns frozen rows; the CLI and the desktop pages turn them into tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from app.errors import NotFound
from app.inventory.model import QTY_ZERO, ItemId, ValuationMethod, from_thousandths
from app.inventory.queries import ItemRow, item_values, items_by_ids
from app.inventory.tables import (
    batches,
    godowns,
    item_stock_totals,
    items,
    raw_thousandths,
    stock_balances,
    stock_moves,
)
from app.money import ZERO, round_paise, round_quantity
from app.storage.plain_rows import cycle_collection_paused, plain_rows


@dataclass(frozen=True)
class SummaryRow:
    item_id: ItemId
    name: str
    group: str
    unit: str
    godown: str | None  # None: all godowns together
    qty: Decimal


@dataclass(frozen=True)
class StockSummary:
    """The stock summary as columns, one entry per line of the report.

    100,000 items must come back in a blink (issue 4): columns are built straight from the
    rows the database returns, and a ``SummaryRow`` is made only for a line someone reads
    (iterating, or a table view asking for the rows it shows).
    """

    item_ids: tuple[ItemId, ...]
    names: tuple[str, ...]
    groups: tuple[str, ...]
    units: tuple[str, ...]
    godowns: tuple[str | None, ...]  # all None unless split by godown
    thousandths: tuple[int, ...]  # quantities as stored; ``qty(i)`` gives the Decimal

    def __len__(self) -> int:
        return len(self.item_ids)

    def qty(self, index: int) -> Decimal:
        return from_thousandths(self.thousandths[index])

    def __getitem__(self, index: int) -> SummaryRow:
        return SummaryRow(
            self.item_ids[index],
            self.names[index],
            self.groups[index],
            self.units[index],
            self.godowns[index],
            from_thousandths(self.thousandths[index]),
        )

    def __iter__(self) -> Iterator[SummaryRow]:
        return (self[index] for index in range(len(self)))


def stock_summary(
    conn: Connection,
    *,
    godown_id: int | None = None,
    group: str | None = None,
    by_godown: bool = False,
    include_zero: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> StockSummary:
    """Stock on hand now per item (or per item and godown), by stock group then name;
    ``offset`` and ``limit`` give one page of it.

    Over all godowns it reads the per-item totals the database keeps with the moves, in the
    order of the index on (group, name, unit): no adding up and no sort. A godown's view adds
    up that godown's balances per item first, then joins them to the items.
    """
    if godown_id is None and not by_godown:
        on_hand = raw_thousandths(item_stock_totals.c.qty)
        query = (
            select(items.c.id, items.c.name, items.c.stock_group, items.c.unit, on_hand)
            .select_from(items)
            .join(item_stock_totals, item_stock_totals.c.item_id == items.c.id)
        )
        if not include_zero:
            query = query.where(on_hand != 0)
        order: list[Any] = [items.c.stock_group, items.c.name]
    else:
        keys = [stock_balances.c.item_id]
        if by_godown:
            keys.append(stock_balances.c.godown_id)
        total = func.sum(raw_thousandths(stock_balances.c.qty))
        sums = select(*keys, total.label("qty")).group_by(*keys)
        if godown_id is not None:
            sums = sums.where(stock_balances.c.godown_id == godown_id)
        if not include_zero:
            sums = sums.having(total != 0)
        held = sums.subquery("held")
        query = select(items.c.id, items.c.name, items.c.stock_group, items.c.unit).join(
            held, held.c.item_id == items.c.id
        )
        order = [items.c.stock_group, items.c.name]
        if by_godown:
            query = query.add_columns(godowns.c.name).join(
                godowns, godowns.c.id == held.c.godown_id
            )
            order.append(held.c.godown_id)
        query = query.add_columns(held.c.qty)
    if group is not None:
        query = query.where(items.c.stock_group == group)
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    with cycle_collection_paused():
        rows = plain_rows(conn, query)  # ids, text and stored quantities: nothing to convert
        if not rows:
            return StockSummary((), (), (), (), (), ())
        columns = tuple(zip(*rows, strict=True))
    godown_names = columns[4] if by_godown else (None,) * len(rows)
    return StockSummary(columns[0], columns[1], columns[2], columns[3], godown_names, columns[-1])


def stock_summary_size(
    conn: Connection, *, group: str | None = None, include_zero: bool = False
) -> int:
    """How many lines the all-godown stock summary has: the row count a paged view needs."""
    query = select(func.count()).select_from(item_stock_totals)
    if not include_zero:
        query = query.where(raw_thousandths(item_stock_totals.c.qty) != 0)
    if group is not None:
        query = query.join(items, items.c.id == item_stock_totals.c.item_id).where(
            items.c.stock_group == group
        )
    return int(conn.execute(query).scalar_one())


@dataclass(frozen=True)
class GroupRow:
    group: str
    items: int
    qty_by_unit: tuple[tuple[str, Decimal], ...]  # units differ, so quantities add per unit
    value: Decimal | None


def group_summary(
    conn: Connection, as_of: date | None = None, method: ValuationMethod | None = None
) -> list[GroupRow]:
    """Stock by group: how many items hold stock, quantities per unit and, with a method,
    the value as of a date."""
    rows = stock_summary(conn)
    values: dict[int, Decimal] = {}
    if method is not None and as_of is not None:
        values = {row.item_id: row.value for row in item_values(conn, as_of, method)}
    groups: dict[str, list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    result = []
    for name in sorted(groups):
        members = groups[name]
        units: dict[str, Decimal] = {}
        for row in members:
            units[row.unit] = units.get(row.unit, QTY_ZERO) + row.qty
        value = sum((values.get(row.item_id, ZERO) for row in members), ZERO) if values else None
        result.append(GroupRow(name, len(members), tuple(sorted(units.items())), value))
    return result


@dataclass(frozen=True)
class LedgerLine:
    move_date: date
    kind: str
    source: str
    godown: str
    batch: str | None
    inward: Decimal
    outward: Decimal
    balance: Decimal


@dataclass(frozen=True)
class ItemLedger:
    item: ItemRow
    start: date
    end: date
    opening: Decimal
    lines: tuple[LedgerLine, ...]

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening


def item_ledger(
    conn: Connection, item_id: int, start: date, end: date, godown_id: int | None = None
) -> ItemLedger:
    """Every move of one item in a period, with the running balance."""
    found = items_by_ids(conn, [item_id])
    if item_id not in found:
        raise NotFound(f"There is no item {item_id}.")
    where = stock_moves.c.item_id == item_id
    if godown_id is not None:
        where = and_(where, stock_moves.c.godown_id == godown_id)
    opening = from_thousandths(
        conn.execute(
            select(func.sum(raw_thousandths(stock_moves.c.qty))).where(
                where, stock_moves.c.move_date < start
            )
        ).scalar()
    )
    rows = conn.execute(
        select(
            stock_moves.c.move_date,
            stock_moves.c.kind,
            stock_moves.c.source_kind,
            stock_moves.c.source_id,
            godowns.c.name,
            batches.c.batch_no,
            stock_moves.c.qty,
        )
        .join(godowns, godowns.c.id == stock_moves.c.godown_id)
        .outerjoin(batches, batches.c.id == stock_moves.c.batch_id)
        .where(where, stock_moves.c.move_date >= start, stock_moves.c.move_date <= end)
        .order_by(stock_moves.c.move_date, stock_moves.c.id)
    )
    balance = opening
    lines = []
    for day, kind, source_kind, source_id, godown, batch_no, qty in rows:
        balance += qty
        lines.append(
            LedgerLine(
                day,
                kind,
                f"{source_kind} {source_id}",
                godown,
                batch_no,
                qty if qty > 0 else QTY_ZERO,
                -qty if qty < 0 else QTY_ZERO,
                balance,
            )
        )
    return ItemLedger(found[item_id], start, end, opening, tuple(lines))


class ExpiryStatus(StrEnum):
    EXPIRED = "expired"
    EXPIRING = "expiring soon"
    GOOD = "good"
    NO_EXPIRY = "no expiry"


@dataclass(frozen=True)
class BatchRow:
    item_id: ItemId
    item: str
    batch_no: str
    mfg_date: date | None
    expiry_date: date | None
    godown: str
    qty: Decimal
    days_left: int | None
    status: ExpiryStatus


def batch_report(
    conn: Connection, on: date, *, within_days: int = 90, item_id: int | None = None
) -> list[BatchRow]:
    """Batches in stock, soonest expiry first, marked expired or expiring within the window."""
    query = (
        select(
            items.c.id,
            items.c.name,
            batches.c.batch_no,
            batches.c.mfg_date,
            batches.c.expiry_date,
            godowns.c.name,
            stock_balances.c.qty,
        )
        .select_from(stock_balances)
        .join(batches, batches.c.id == stock_balances.c.batch_key)
        .join(items, items.c.id == stock_balances.c.item_id)
        .join(godowns, godowns.c.id == stock_balances.c.godown_id)
        .where(stock_balances.c.qty != QTY_ZERO)
        .order_by(
            case((batches.c.expiry_date.is_(None), 1), else_=0),
            batches.c.expiry_date,
            items.c.name,
            batches.c.batch_no,
        )
    )
    if item_id is not None:
        query = query.where(stock_balances.c.item_id == item_id)
    result = []
    for iid, name, batch_no, mfg, expiry, godown, qty in conn.execute(query):
        days_left = None if expiry is None else (expiry - on).days
        if days_left is None:
            status = ExpiryStatus.NO_EXPIRY
        elif days_left < 0:
            status = ExpiryStatus.EXPIRED
        elif days_left <= within_days:
            status = ExpiryStatus.EXPIRING
        else:
            status = ExpiryStatus.GOOD
        result.append(
            BatchRow(ItemId(iid), name, batch_no, mfg, expiry, godown, qty, days_left, status)
        )
    return result


class Movement(StrEnum):
    FAST = "fast"
    SLOW = "slow"
    NON_MOVING = "non-moving"


@dataclass(frozen=True)
class MovementRow:
    item_id: ItemId
    name: str
    unit: str
    sold: Decimal  # sales less sales returns in the period
    on_hand: Decimal
    days_of_cover: Decimal | None  # stock on hand / average daily sales
    movement: Movement


def movement_analysis(
    conn: Connection, start: date, end: date, *, fast_cover_days: int = 30
) -> list[MovementRow]:
    """Fast, slow and non-moving stock over a period.

    Fast: what is on hand would sell out within ``fast_cover_days`` at the period's rate of
    sale. Slow: sold, but more slowly. Non-moving: in stock and not sold at all.
    """
    days = Decimal((end - start).days + 1)
    sold_qty = func.sum(raw_thousandths(stock_moves.c.qty))
    sold: dict[int, int] = dict(
        conn.execute(
            select(stock_moves.c.item_id, sold_qty)
            .where(
                stock_moves.c.kind.in_(("sale", "sales return")),
                stock_moves.c.move_date >= start,
                stock_moves.c.move_date <= end,
            )
            .group_by(stock_moves.c.item_id)
        ).all()
    )
    held: dict[int, SummaryRow] = {
        row.item_id: row for row in stock_summary(conn, include_zero=True)
    }
    ids = sorted(set(held) | {i for i, q in sold.items() if q})
    facts = items_by_ids(conn, ids)
    rows = []
    for item_id in ids:
        out = -from_thousandths(sold.get(item_id, 0))
        on_hand = held[item_id].qty if item_id in held else QTY_ZERO
        if out <= 0:
            if on_hand <= 0:
                continue
            rows.append(
                MovementRow(
                    ItemId(item_id),
                    facts[item_id].name,
                    facts[item_id].unit,
                    QTY_ZERO,
                    on_hand,
                    None,
                    Movement.NON_MOVING,
                )
            )
            continue
        cover = round_quantity(max(on_hand, QTY_ZERO) * days / out)
        kind = Movement.FAST if cover <= fast_cover_days else Movement.SLOW
        rows.append(
            MovementRow(
                ItemId(item_id), facts[item_id].name, facts[item_id].unit, out, on_hand, cover, kind
            )
        )
    order = {Movement.FAST: 0, Movement.SLOW: 1, Movement.NON_MOVING: 2}
    rows.sort(key=lambda r: (order[r.movement], r.days_of_cover or Decimal(0), r.name))
    return rows


@dataclass(frozen=True)
class ValuationRow:
    item_id: ItemId
    name: str
    group: str
    unit: str
    qty: Decimal
    value: Decimal

    @property
    def unit_cost(self) -> Decimal | None:
        return round_paise(self.value / self.qty) if self.qty > 0 else None


@dataclass(frozen=True)
class StockValuation:
    as_of: date
    method: ValuationMethod
    rows: tuple[ValuationRow, ...]

    @property
    def total(self) -> Decimal:
        return sum((row.value for row in self.rows), ZERO)


def stock_valuation(conn: Connection, as_of: date, method: ValuationMethod) -> StockValuation:
    """Each item's closing quantity and value as of a date; the total is the balance
    sheet's closing stock."""
    values = [v for v in item_values(conn, as_of, method) if v.qty or v.value]
    facts = items_by_ids(conn, [v.item_id for v in values])
    rows = tuple(
        sorted(
            (
                ValuationRow(
                    v.item_id,
                    facts[v.item_id].name,
                    facts[v.item_id].group,
                    facts[v.item_id].unit,
                    v.qty,
                    v.value,
                )
                for v in values
            ),
            key=lambda r: (r.group, r.name),
        )
    )
    return StockValuation(as_of, method, rows)
