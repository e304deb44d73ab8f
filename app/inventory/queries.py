"""Reads over items and stock that return small frozen rows.

Stock on hand comes from ``stock_balances`` (kept with the moves, checked against them);
anything as of a past date sums the moves themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import groupby
from operator import itemgetter

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    text,
)

from app.errors import NotFound
from app.inventory.barcodes import BarcodeKind, ScaleFormat, lookup_forms, read_scale_barcode
from app.inventory.model import (
    QTY_ZERO,
    BatchId,
    GodownId,
    ItemId,
    MoveId,
    MoveKind,
    UnitConversion,
    ValuationMethod,
    from_thousandths,
    is_expired,
)
from app.inventory.tables import (
    ITEM_SEARCH,
    batches,
    godowns,
    item_barcodes,
    item_prices,
    item_units,
    items,
    raw_thousandths,
    stock_balances,
    stock_move_serials,
    stock_moves,
)
from app.inventory.valuation import ValuedMove, Valuer, replay
from app.money import ZERO, from_paise
from app.storage.plain_rows import plain_row_stream
from app.storage.types import raw_paise

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class ItemRow:
    id: ItemId
    name: str
    sku: str | None
    unit: str
    hsn: str
    gst_rate: Decimal
    mrp: Decimal | None
    sale_price: Decimal
    purchase_price: Decimal
    group: str
    reorder_level: Decimal
    reorder_qty: Decimal
    lead_time_days: int
    batch_tracked: bool
    serial_tracked: bool
    scale_plu: str | None
    active: bool


@dataclass(frozen=True)
class ItemView:
    """An item with its barcodes, other units and price lists."""

    item: ItemRow
    barcodes: tuple[tuple[str, BarcodeKind], ...]
    conversions: tuple[UnitConversion, ...]
    prices: tuple[tuple[str, Decimal], ...]

    def price(self, price_list: str = "retail") -> Decimal:
        """The item's price on a list; the sale price when the list has none for it."""
        wanted = price_list.strip().lower()
        return next((p for name, p in self.prices if name == wanted), self.item.sale_price)


_ITEM_COLUMNS = (
    items.c.id,
    items.c.name,
    items.c.sku,
    items.c.unit,
    items.c.hsn,
    items.c.gst_rate,
    items.c.mrp,
    items.c.sale_price,
    items.c.purchase_price,
    items.c.stock_group,
    items.c.reorder_level,
    items.c.reorder_qty,
    items.c.lead_time_days,
    items.c.batch_tracked,
    items.c.serial_tracked,
    items.c.scale_plu,
    items.c.active,
)


def _item_select() -> Select[tuple[object, ...]]:
    return select(*_ITEM_COLUMNS)


def _item_row(row: RowMapping) -> ItemRow:
    return ItemRow(
        id=ItemId(row["id"]),
        name=row["name"],
        sku=row["sku"],
        unit=row["unit"],
        hsn=row["hsn"],
        gst_rate=row["gst_rate"],
        mrp=row["mrp"],
        sale_price=row["sale_price"],
        purchase_price=row["purchase_price"],
        group=row["stock_group"],
        reorder_level=row["reorder_level"],
        reorder_qty=row["reorder_qty"],
        lead_time_days=row["lead_time_days"],
        batch_tracked=bool(row["batch_tracked"]),
        serial_tracked=bool(row["serial_tracked"]),
        scale_plu=row["scale_plu"],
        active=bool(row["active"]),
    )


def item(conn: Connection, item_id: int) -> ItemView:
    row = conn.execute(_item_select().where(items.c.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"There is no item {item_id}.")
    codes = conn.execute(
        select(item_barcodes.c.code, item_barcodes.c.kind)
        .where(item_barcodes.c.item_id == item_id)
        .order_by(item_barcodes.c.code)
    ).all()
    units = conn.execute(
        select(item_units.c.uqc, item_units.c.factor)
        .where(item_units.c.item_id == item_id)
        .order_by(item_units.c.uqc)
    ).all()
    prices = conn.execute(
        select(item_prices.c.price_list, item_prices.c.price)
        .where(item_prices.c.item_id == item_id)
        .order_by(item_prices.c.price_list)
    ).all()
    return ItemView(
        item=_item_row(row),
        barcodes=tuple((code, BarcodeKind(kind)) for code, kind in codes),
        conversions=tuple(UnitConversion(uqc, factor) for uqc, factor in units),
        prices=tuple((name, price) for name, price in prices),
    )


def item_by_name(conn: Connection, name: str) -> ItemRow:
    """By name (any case) or SKU: how people and the CLI name an item."""
    wanted = " ".join(name.split())
    row = (
        conn.execute(_item_select().where((items.c.name == wanted) | (items.c.sku == wanted)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"There is no item named {name!r} (or with that SKU).")
    return _item_row(row)


# Built once: every scan at the counter runs it, and building it costs more than running it.
_BY_BARCODE = (
    _item_select()
    .join(item_barcodes, item_barcodes.c.item_id == items.c.id)
    .where(item_barcodes.c.code.in_(bindparam("codes", expanding=True)))
    .limit(1)
)


def item_by_barcode(conn: Connection, code: str) -> ItemRow | None:
    """The item a scanned barcode belongs to (UPC-A read as EAN-13 included)."""
    row = conn.execute(_BY_BARCODE, {"codes": list(lookup_forms(code))}).mappings().first()
    return None if row is None else _item_row(row)


@dataclass(frozen=True)
class Scan:
    """What a scanner read: the item, and for scale labels the weight or the price."""

    item: ItemRow
    quantity: Decimal | None = None
    amount: Decimal | None = None


def scan(conn: Connection, code: str, scale: ScaleFormat) -> Scan | None:
    found = item_by_barcode(conn, code)
    if found is not None:
        return Scan(found)
    reading = read_scale_barcode(code, scale)
    if reading is None:
        return None
    plu = str(int(reading.plu))  # stored without leading zeros
    row = conn.execute(_item_select().where(items.c.scale_plu == plu)).mappings().first()
    if row is None:
        return None
    return Scan(_item_row(row), reading.quantity, reading.amount)


def _like_prefix(term: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", term) + "%"


def _fts_query(term: str) -> str | None:
    """Every word of 3 or more characters as a quoted trigram phrase, all required."""
    words = [w for w in term.split() if len(w) >= 3]
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def search_items(
    conn: Connection, term: str, limit: int = SEARCH_LIMIT, *, include_inactive: bool = False
) -> list[ItemRow]:
    """Search as you type: names starting with the text first, then any item whose name,
    SKU or barcode contains every word of it; an exact barcode goes straight to its item."""
    term = " ".join(term.split())
    if not term:
        return []
    active = items.c.active.is_(True) if not include_inactive else literal_column("1") == 1
    found: dict[int, ItemRow] = {}
    by_code = item_by_barcode(conn, term) if " " not in term else None
    if by_code is not None and (by_code.active or include_inactive):
        found[by_code.id] = by_code
    prefix = _like_prefix(term)
    for column in (items.c.name, items.c.sku):
        rows = conn.execute(
            _item_select()
            .where(column.like(prefix, escape="\\"), active)
            .order_by(column)
            .limit(limit)
        ).mappings()
        for row in rows:
            found.setdefault(row["id"], _item_row(row))
        if len(found) >= limit:
            return list(found.values())[:limit]
    query = _fts_query(term)
    if query is None:
        return list(found.values())[:limit]
    # Words too short for a trigram still have to be there, anywhere in the row.
    short = [w for w in term.split() if len(w) < 3]
    params: dict[str, object] = {"q": query, "n": limit * 4}
    sql = f"SELECT rowid FROM {ITEM_SEARCH} WHERE {ITEM_SEARCH} MATCH :q"
    for n, word in enumerate(short):
        sql += f" AND body LIKE :w{n} ESCAPE '\\'"
        params[f"w{n}"] = "%" + _like_prefix(word)
    hits = conn.execute(text(sql + " LIMIT :n"), params).scalars()
    wanted = [hit for hit in hits if hit not in found]
    if wanted:
        more = conn.execute(
            _item_select().where(items.c.id.in_(wanted), active).order_by(items.c.name)
        ).mappings()
        for row in more:
            found.setdefault(row["id"], _item_row(row))
    return list(found.values())[:limit]


# Godowns and batches ------------------------------------------------------------------


@dataclass(frozen=True)
class Godown:
    id: GodownId
    name: str
    address: str
    active: bool


def godown_list(conn: Connection) -> list[Godown]:
    return [
        Godown(GodownId(row.id), row.name, row.address, bool(row.active))
        for row in conn.execute(select(godowns).order_by(godowns.c.id))
    ]


def godown_by_name(conn: Connection, name: str) -> Godown:
    row = conn.execute(select(godowns).where(godowns.c.name == " ".join(name.split()))).first()
    if row is None:
        raise NotFound(f"There is no godown named {name!r}.")
    return Godown(GodownId(row.id), row.name, row.address, bool(row.active))


@dataclass(frozen=True)
class Batch:
    id: BatchId
    item_id: ItemId
    batch_no: str
    mfg_date: date | None
    expiry_date: date | None


def batch_by_number(conn: Connection, item_id: int, batch_no: str) -> Batch:
    row = conn.execute(
        select(batches).where(batches.c.item_id == item_id, batches.c.batch_no == batch_no.strip())
    ).first()
    if row is None:
        raise NotFound(f"Item {item_id} has no batch {batch_no!r}.")
    return Batch(BatchId(row.id), ItemId(row.item_id), row.batch_no, row.mfg_date, row.expiry_date)


# Stock on hand ------------------------------------------------------------------------


def on_hand(
    conn: Connection,
    item_id: int,
    godown_id: int | None = None,
    batch_id: int | None = None,
) -> Decimal:
    """Now, from the balances kept with the moves."""
    condition = stock_balances.c.item_id == item_id
    if godown_id is not None:
        condition = and_(condition, stock_balances.c.godown_id == godown_id)
    if batch_id is not None:
        condition = and_(condition, stock_balances.c.batch_key == batch_id)
    total = conn.execute(
        select(func.sum(raw_thousandths(stock_balances.c.qty))).where(condition)
    ).scalar()
    return from_thousandths(total)


def on_hand_as_of(
    conn: Connection, item_id: int, as_of: date, godown_id: int | None = None
) -> Decimal:
    """The sum of the item's moves up to and including ``as_of``."""
    condition = and_(stock_moves.c.item_id == item_id, stock_moves.c.move_date <= as_of)
    if godown_id is not None:
        condition = and_(condition, stock_moves.c.godown_id == godown_id)
    total = conn.execute(select(func.sum(raw_thousandths(stock_moves.c.qty))).where(condition))
    return from_thousandths(total.scalar())


def serials_in_stock(conn: Connection, item_id: int, godown_id: int | None = None) -> list[str]:
    condition = stock_move_serials.c.item_id == item_id
    if godown_id is not None:
        condition = and_(condition, stock_move_serials.c.godown_id == godown_id)
    rows = conn.execute(
        select(stock_move_serials.c.serial)
        .where(condition)
        .group_by(stock_move_serials.c.serial, stock_move_serials.c.godown_id)
        .having(func.sum(stock_move_serials.c.direction) > 0)
        .order_by(stock_move_serials.c.serial)
    ).scalars()
    return list(rows)


@dataclass(frozen=True)
class BatchPick:
    batch: Batch
    available: Decimal
    take: Decimal


def fefo_batches(
    conn: Connection, item_id: int, godown_id: int, qty: Decimal, on: date
) -> tuple[list[BatchPick], Decimal]:
    """First-expiry-first-out: which unexpired batches to sell ``qty`` from, and how much of
    it no batch covers. Batches without an expiry date go last, oldest first."""
    rows = conn.execute(
        select(batches, stock_balances.c.qty)
        .join(stock_balances, stock_balances.c.batch_key == batches.c.id)
        .where(
            batches.c.item_id == item_id,
            stock_balances.c.item_id == item_id,
            stock_balances.c.godown_id == godown_id,
            stock_balances.c.qty > QTY_ZERO,
        )
        .order_by(batches.c.expiry_date.is_(None), batches.c.expiry_date, batches.c.id)
    ).all()
    picks = []
    left = qty
    for row in rows:
        if left <= 0:
            break
        if is_expired(row.expiry_date, on):
            continue
        take = min(left, row.qty)
        batch = Batch(
            BatchId(row.id), ItemId(row.item_id), row.batch_no, row.mfg_date, row.expiry_date
        )
        picks.append(BatchPick(batch, row.qty, take))
        left -= take
    return picks, left


def low_stock(conn: Connection, limit: int = 100) -> list[tuple[ItemRow, Decimal]]:
    """Active items at or below their reorder level, emptiest first (for the dashboard)."""
    total = func.coalesce(func.sum(raw_thousandths(stock_balances.c.qty)), 0)
    rows = conn.execute(
        _item_select()
        .add_columns(total.label("on_hand"))
        .outerjoin(stock_balances, stock_balances.c.item_id == items.c.id)
        .where(items.c.active.is_(True), raw_thousandths(items.c.reorder_level) > 0)
        .group_by(items.c.id)
        .having(total <= func.max(raw_thousandths(items.c.reorder_level)))
        .order_by(total - func.max(raw_thousandths(items.c.reorder_level)))
        .limit(limit)
    ).mappings()
    return [(_item_row(row), from_thousandths(row["on_hand"])) for row in rows]


def items_by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, ItemRow]:
    found: dict[int, ItemRow] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start : start + 900])
        for row in conn.execute(_item_select().where(items.c.id.in_(chunk))).mappings():
            found[row["id"]] = _item_row(row)
    return found


# Valuation -------------------------------------------------------------------------------


def _replay_query(as_of: date) -> Select[tuple[int, int, int, int | None]]:
    """(item id, move id, stored quantity, stored value) up to the end of ``as_of`` in the
    order valuation replays them: by item, date, then entry order. Transfers are left out:
    they move goods between godowns, not in or out of the company."""
    return (
        select(
            stock_moves.c.item_id,
            stock_moves.c.id,
            raw_thousandths(stock_moves.c.qty),
            raw_paise(stock_moves.c.value),
        )
        .where(stock_moves.c.move_date <= as_of, stock_moves.c.kind != MoveKind.TRANSFER.value)
        .order_by(stock_moves.c.item_id, stock_moves.c.move_date, stock_moves.c.id)
    )


def valued_moves(
    conn: Connection, as_of: date, item_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, ValuedMove]]:
    """(item id, move) in the order valuation replays them: by item, date, then entry order.

    Transfers are left out: they move goods between godowns, not in or out of the company.
    """
    query = _replay_query(as_of)
    if item_ids is not None:
        query = query.where(stock_moves.c.item_id.in_(list(item_ids)))
    quantity, money = cache(from_thousandths), cache(_stored_money)
    for item_id, move_id, qty, value in plain_row_stream(conn, query):
        yield item_id, ValuedMove(move_id, quantity(qty), money(value))


def _stored_money(paise: int | None) -> Decimal | None:
    return None if paise is None else from_paise(paise)


@dataclass(frozen=True)
class ItemValue:
    item_id: ItemId
    qty: Decimal
    value: Decimal


def item_values(conn: Connection, as_of: date, method: ValuationMethod) -> list[ItemValue]:
    """Each item's quantity and value at the end of ``as_of``, by the method."""
    result = []
    for item_id, moves in groupby(valued_moves(conn, as_of), key=lambda pair: pair[0]):
        valuer, _ = replay((move for _, move in moves), method)
        result.append(ItemValue(ItemId(item_id), valuer.qty, valuer.value))
    return result


def closing_stock_value(conn: Connection, as_of: date, method: ValuationMethod) -> Decimal:
    """What the stock in hand is worth at the end of ``as_of``: the balance sheet figure."""
    return sum((row.value for row in item_values(conn, as_of, method)), ZERO)


@dataclass(frozen=True)
class StockPosition:
    """What the stock is worth at the end of a day, for the accounts (periodic method)."""

    as_of: date
    value: Decimal  # closing stock by the method
    brought_in: Decimal  # what opening-stock entries added up to that day: stock no voucher bought


def stock_positions(
    conn: Connection, days: Sequence[date], method: ValuationMethod
) -> dict[date, StockPosition]:
    """The stock position at the end of each of ``days``, from one replay of the moves."""
    cuts = sorted(set(days))
    if not cuts:
        return {}
    worth = dict.fromkeys(cuts, ZERO)
    brought = dict.fromkeys(cuts, ZERO)
    cut_days = [cut.isoformat() for cut in cuts]  # as the dates are stored, compared as text
    query = (
        select(
            stock_moves.c.item_id,
            stock_moves.c.move_date,
            stock_moves.c.kind,
            raw_thousandths(stock_moves.c.qty),
            raw_paise(stock_moves.c.value),
        )
        .where(stock_moves.c.move_date <= cuts[-1], stock_moves.c.kind != MoveKind.TRANSFER.value)
        .order_by(stock_moves.c.item_id, stock_moves.c.move_date, stock_moves.c.id)
    )
    opening = MoveKind.OPENING.value
    # A million moves repeat a few thousand quantities and values: each converted once.
    quantity, money = cache(from_thousandths), cache(_stored_money)
    for _, moves in groupby(plain_row_stream(conn, query), key=itemgetter(0)):
        valuer = Valuer(method)
        opened = ZERO
        next_cut = 0
        for _, day, kind, qty, value in moves:
            while day > cut_days[next_cut]:  # the day's stock is settled before a later move
                worth[cuts[next_cut]] += valuer.value
                brought[cuts[next_cut]] += opened
                next_cut += 1
            effect = valuer.apply(quantity(qty), money(value))
            if kind == opening:
                opened += effect
        for cut in cuts[next_cut:]:
            worth[cut] += valuer.value
            brought[cut] += opened
    return {cut: StockPosition(cut, worth[cut], brought[cut]) for cut in cuts}


def move_effects(
    conn: Connection,
    as_of: date,
    method: ValuationMethod,
    wanted: Collection[int],
    items: Select[tuple[int]] | None = None,
    check: Callable[[], None] | None = None,
) -> dict[int, Decimal]:
    """Each ``wanted`` move's effect on the stock's value (a sale's cost of goods sold is
    minus its effect), from one replay of the moves up to the end of ``as_of``, streamed
    as ``stock_positions`` streams them. Only items with a wanted move are valued; ``items``,
    a query of ids that includes theirs, spares reading the others' moves (a month's sales
    touch a fraction of 100,000 items). ``check`` runs between items: a Cancel."""
    effects: dict[int, Decimal] = {}
    if not wanted:
        return effects
    query = _replay_query(as_of)
    if items is not None:
        query = query.where(stock_moves.c.item_id.in_(items))
    quantity, money = cache(from_thousandths), cache(_stored_money)
    for done, (_, group) in enumerate(groupby(plain_row_stream(conn, query), key=itemgetter(0))):
        if check is not None and done % 1000 == 0:
            check()
        moves = list(group)
        if not any(move_id in wanted for _, move_id, _, _ in moves):
            continue  # an item nothing asked about: its rows are read, not valued
        valuer = Valuer(method)
        for _, move_id, qty, value in moves:
            effect = valuer.apply(quantity(qty), money(value))
            if move_id in wanted:
                effects[move_id] = effect
    return effects


@dataclass(frozen=True)
class CostedLine:
    move_id: MoveId
    item_id: ItemId
    qty: Decimal
    cost: Decimal  # for goods going out, their cost (positive); for goods in, what they add


@dataclass(frozen=True)
class SourceCost:
    lines: tuple[CostedLine, ...]

    @property
    def cost_of_goods_out(self) -> Decimal:
        """The cost of goods sold for a sale: what billing debits to the cost account."""
        return sum((line.cost for line in self.lines if line.qty < 0), ZERO)


def cost_of_source(
    conn: Connection, source_kind: str, source_id: str, method: ValuationMethod
) -> SourceCost:
    """The cost of each move of one document, by replaying its items up to its date."""
    rows = conn.execute(
        select(stock_moves.c.id, stock_moves.c.item_id, stock_moves.c.move_date, stock_moves.c.kind)
        .where(stock_moves.c.source_kind == source_kind, stock_moves.c.source_id == source_id)
        .order_by(stock_moves.c.id)
    ).all()
    if not rows:
        raise NotFound(f"No stock was moved by {source_kind} {source_id}.")
    last = max(row.move_date for row in rows)
    wanted = {row.id for row in rows if row.kind != MoveKind.TRANSFER.value}
    effects: dict[int, tuple[int, Decimal, Decimal]] = {}
    item_ids = sorted({row.item_id for row in rows})
    for item_id, moves in groupby(valued_moves(conn, last, item_ids), key=lambda pair: pair[0]):
        listed = [move for _, move in moves]
        _, effect = replay(listed, method)
        for move in listed:
            if move.move_id in wanted:
                effects[move.move_id] = (item_id, move.qty, effect[move.move_id])
    lines = tuple(
        CostedLine(MoveId(move_id), ItemId(item_id), qty, -effect if qty < 0 else effect)
        for move_id, (item_id, qty, effect) in sorted(effects.items())
    )
    return SourceCost(lines)


# The item list of the desktop page ---------------------------------------------------------


@dataclass(frozen=True)
class ItemListRow:
    """One line of the item list: the item, its first barcode and its stock on hand."""

    item: ItemRow
    barcode: str
    on_hand: Decimal


def item_ids(conn: Connection, *, include_inactive: bool = False) -> list[int]:
    """Every item's id in name order, so a list can read any page by id, as fast deep in
    100,000 items as at the top (an OFFSET is not).

    The ids come from the name index alone (it covers name and id); filtering on ``active``
    in SQL would look up every row and take three times as long, so the few inactive items
    are taken out here instead.
    """
    ordered = conn.execute(select(items.c.id).order_by(items.c.name)).scalars().all()
    if include_inactive:
        return list(ordered)
    inactive = set(conn.execute(select(items.c.id).where(items.c.active.is_(False))).scalars())
    return [item_id for item_id in ordered if item_id not in inactive]


def item_list_page(conn: Connection, ids: Sequence[int]) -> list[ItemListRow]:
    """The list lines of these items, in the order given."""
    found = items_by_ids(conn, ids)
    return item_list_rows(conn, [found[i] for i in ids if i in found])


def item_list_rows(conn: Connection, rows: Sequence[ItemRow]) -> list[ItemListRow]:
    """The list lines of some items, in the order given."""
    ids = [row.id for row in rows]
    codes: dict[int, str] = {}
    held: dict[int, Decimal] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        codes.update(
            conn.execute(
                select(item_barcodes.c.item_id, func.min(item_barcodes.c.code))
                .where(item_barcodes.c.item_id.in_(chunk))
                .group_by(item_barcodes.c.item_id)
            ).all()
        )
        held.update(
            (item_id, from_thousandths(total))
            for item_id, total in conn.execute(
                select(stock_balances.c.item_id, func.sum(raw_thousandths(stock_balances.c.qty)))
                .where(stock_balances.c.item_id.in_(chunk))
                .group_by(stock_balances.c.item_id)
            )
        )
    return [ItemListRow(row, codes.get(row.id, ""), held.get(row.id, QTY_ZERO)) for row in rows]
