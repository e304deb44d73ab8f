"""Inventory use cases: items, godowns, batches and stock moves.

``post_stock_in`` adds the stock side of a document inside a caller's unit of work, so
billing writes an invoice, its voucher and its moves in one transaction, as
``ledger.service.post_in`` does for vouchers. The other functions open their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    bindparam,
    delete,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import AccessDenied, Conflict, NotFound, PeriodLocked, ValidationError
from app.gst.rates import rate_problem
from app.inventory.barcodes import barcode_kind
from app.inventory.model import (
    QTY_ZERO,
    BatchId,
    ExpiredBatch,
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveId,
    MoveKind,
    NegativeStock,
    NegativeStockPolicy,
    StockEntry,
    check_entry,
    check_item,
    from_thousandths,
    is_expired,
    normal_name,
)
from app.inventory.settings import inventory_settings
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
    stock_journals,
    stock_move_serials,
    stock_moves,
)
from app.ledger import queries as ledger_queries
from app.storage.access import Permission, Role, require
from app.storage.bulk import insert_rows
from app.storage.company import Company
from app.storage.tables import company as company_table
from app.storage.uow import UnitOfWork

# Who may post which stock: the counter's documents need billing rights, the rest posting.
_COUNTER_KINDS = frozenset({MoveKind.SALE, MoveKind.SALES_RETURN})


@dataclass(frozen=True)
class PostedStock:
    move_ids: tuple[MoveId, ...]
    warnings: tuple[str, ...]  # negative stock allowed by the company's policy


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# Items ---------------------------------------------------------------------------------


def _item_row(draft: ItemDraft) -> dict[str, Any]:
    return {
        "name": normal_name(draft.name),
        "sku": draft.sku.strip() if draft.sku else None,
        "hsn": draft.hsn,
        "gst_rate": draft.gst_rate,
        "unit": draft.unit,
        "mrp": draft.mrp,
        "sale_price": draft.sale_price,
        "purchase_price": draft.purchase_price,
        "stock_group": normal_name(draft.group),
        "reorder_level": draft.reorder_level,
        "reorder_qty": draft.reorder_qty,
        "lead_time_days": draft.lead_time_days,
        "batch_tracked": draft.batch_tracked,
        "serial_tracked": draft.serial_tracked,
        "scale_plu": str(int(draft.scale_plu)) if draft.scale_plu else None,  # no leading 0s
        "active": draft.active,
    }


def _check_unique(conn: Connection, draft: ItemDraft, item_id: ItemId | None) -> None:
    others = items.c.id != item_id if item_id is not None else items.c.id.is_not(None)
    name = normal_name(draft.name)
    if conn.execute(select(items.c.id).where(items.c.name == name, others)).first():
        raise Conflict(f"An item named {name!r} already exists. Give this one another name.")
    if (
        draft.sku
        and conn.execute(select(items.c.id).where(items.c.sku == draft.sku.strip(), others)).first()
    ):
        raise Conflict(f"SKU {draft.sku} already belongs to another item.")
    if (
        draft.scale_plu
        and conn.execute(
            select(items.c.id).where(items.c.scale_plu == draft.scale_plu, others)
        ).first()
    ):
        raise Conflict(f"Scale PLU {draft.scale_plu} already belongs to another item.")
    if draft.barcodes:
        taken = conn.execute(
            select(item_barcodes.c.code, items.c.name)
            .join(items, items.c.id == item_barcodes.c.item_id)
            .where(item_barcodes.c.code.in_(draft.barcodes), item_barcodes.c.item_id != item_id)
        ).first()
        if taken:
            raise Conflict(f"Barcode {taken[0]} already belongs to {taken[1]!r}.")


def _write_details(conn: Connection, item_id: ItemId, draft: ItemDraft) -> None:
    """Barcodes, units, price lists and the search row: replaced whole on every save."""
    for table in (item_barcodes, item_units, item_prices):
        conn.execute(delete(table).where(table.c.item_id == item_id))
    rows: list[dict[str, Any]] = [
        {"code": code, "item_id": item_id, "kind": barcode_kind(code).value}
        for code in draft.barcodes
    ]
    if rows:
        conn.execute(item_barcodes.insert(), rows)
    if draft.conversions:
        conn.execute(
            item_units.insert(),
            [{"item_id": item_id, "uqc": c.uqc, "factor": c.factor} for c in draft.conversions],
        )
    if draft.prices:
        conn.execute(
            item_prices.insert(),
            [
                {"item_id": item_id, "price_list": name.strip().lower(), "price": price}
                for name, price in draft.prices
            ],
        )
    write_search_row(conn, item_id, normal_name(draft.name), draft.sku, draft.barcodes)


def search_body(name: str, sku: str | None, codes: Iterable[str]) -> str:
    return "\n".join([name, sku or "", *codes])


def write_search_row(
    conn: Connection, item_id: int, name: str, sku: str | None, codes: Iterable[str]
) -> None:
    conn.execute(text(f"DELETE FROM {ITEM_SEARCH} WHERE rowid = :id"), {"id": item_id})
    conn.execute(
        text(f"INSERT INTO {ITEM_SEARCH} (rowid, body) VALUES (:id, :body)"),
        {"id": item_id, "body": search_body(name, sku, codes)},
    )


def add_item(company: Company, draft: ItemDraft) -> ItemId:
    return add_items(company, [draft])[0]


def add_items(company: Company, drafts: Sequence[ItemDraft]) -> list[ItemId]:
    """Add items, all or none, in one transaction."""
    with company.unit_of_work() as uow:
        ids = add_items_in(uow, drafts)
        uow.commit()
    return ids


def check_rate_in_force(draft: ItemDraft, on: date | None = None) -> None:
    """An active item's GST rate must be one in force on the day it is saved: new bills
    charge it (GST 2.0 ended the 12% and 28% slabs on 22-09-2025, gst.md §2.3)."""
    if not draft.active:
        return  # an item kept only for its history may keep the rate it was sold at
    problem = rate_problem(draft.gst_rate, on or date.today())
    if problem:
        raise ValidationError(
            f"{normal_name(draft.name)}: {problem} Choose the rate the item is taxed at now."
        )


def add_items_in(uow: UnitOfWork, drafts: Sequence[ItemDraft]) -> list[ItemId]:
    require(uow.actor, Permission.MANAGE_ITEMS)
    now = _now()
    ids = []
    for draft in drafts:
        check_item(draft)
        check_rate_in_force(draft)
        _check_unique(uow.conn, draft, None)
        result = uow.conn.execute(
            items.insert().values(**_item_row(draft), created_at=now, updated_at=now)
        )
        item_id = ItemId(_new_id(result))
        _write_details(uow.conn, item_id, draft)
        uow.record("item.add", "item", item_id, {"name": normal_name(draft.name)})
        ids.append(item_id)
    return ids


def update_item(company: Company, item_id: ItemId, draft: ItemDraft) -> None:
    """Change an item's master data. The unit and tracking cannot change once stock moved,
    because every past quantity is counted in them."""
    with company.unit_of_work() as uow:
        update_item_in(uow, item_id, draft)
        uow.commit()


def update_item_in(uow: UnitOfWork, item_id: ItemId, draft: ItemDraft) -> None:
    """``update_item`` in a caller's unit of work (sync applies an item edited elsewhere)."""
    require(uow.actor, Permission.MANAGE_ITEMS)
    check_item(draft)
    check_rate_in_force(draft)
    conn = uow.conn
    old = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    if old is None:
        raise NotFound(f"There is no item {item_id}.")
    moved = conn.execute(select(stock_moves.c.id).where(stock_moves.c.item_id == item_id)).first()
    fixed = (
        ("unit", draft.unit),
        ("batch_tracked", draft.batch_tracked),
        ("serial_tracked", draft.serial_tracked),
    )
    for column, new in fixed:
        if moved and old[column] != new:
            raise Conflict(
                f"{old['name']} already has stock moves, so its {column.replace('_', ' ')} "
                "cannot change. Make a new item and move the stock to it."
            )
    _check_unique(conn, draft, item_id)
    row = _item_row(draft)
    conn.execute(update(items).where(items.c.id == item_id).values(**row, updated_at=_now()))
    _write_details(conn, item_id, draft)
    changed = {k: str(v) for k, v in row.items() if old[k] != v}
    uow.record("item.update", "item", item_id, changed)


def set_item_active(company: Company, item_id: ItemId, active: bool) -> None:
    """An inactive item keeps its history but takes no new moves and leaves the search."""
    require(company.actor, Permission.MANAGE_ITEMS)
    with company.unit_of_work() as uow:
        result = uow.conn.execute(update(items).where(items.c.id == item_id).values(active=active))
        if result.rowcount == 0:
            raise NotFound(f"There is no item {item_id}.")
        uow.record("item.activate" if active else "item.deactivate", "item", item_id, {})
        uow.commit()


# Godowns and batches ---------------------------------------------------------------------


def add_godown(company: Company, name: str, address: str = "") -> GodownId:
    with company.unit_of_work() as uow:
        godown_id = add_godown_in(uow, name, address)
        uow.commit()
    return godown_id


def add_godown_in(uow: UnitOfWork, name: str, address: str = "") -> GodownId:
    """Write a new godown in ``uow`` (sync makes one received from another device here)."""
    require(uow.actor, Permission.MANAGE_ITEMS)
    name = normal_name(name)
    if not name:
        raise ValidationError("The godown needs a name.")
    if uow.conn.execute(select(godowns.c.id).where(godowns.c.name == name)).first():
        raise Conflict(f"A godown named {name!r} already exists.")
    godown_id = GodownId(
        _new_id(uow.conn.execute(godowns.insert().values(name=name, address=address)))
    )
    uow.record("godown.add", "godown", godown_id, {"name": name})
    return godown_id


def _check_batch_dates(batch_no: str, mfg_date: date | None, expiry_date: date | None) -> None:
    if mfg_date and expiry_date and expiry_date < mfg_date:
        raise ValidationError(f"Batch {batch_no} expires before it was made. Check the dates.")


def batch_in(
    uow: UnitOfWork,
    item_id: ItemId,
    batch_no: str,
    mfg_date: date | None = None,
    expiry_date: date | None = None,
) -> BatchId:
    """The item's batch of that number, made on first receipt; dates must agree with it."""
    batch_no = batch_no.strip()
    if not batch_no or len(batch_no) > 40:
        raise ValidationError("A batch number is 1 to 40 characters.")
    _check_batch_dates(batch_no, mfg_date, expiry_date)
    conn = uow.conn
    tracked = conn.execute(select(items.c.batch_tracked).where(items.c.id == item_id)).first()
    if tracked is None:
        raise NotFound(f"There is no item {item_id}.")
    if not tracked[0]:
        raise ValidationError("This item is not tracked by batch. Turn batches on for it first.")
    row = (
        conn.execute(
            select(batches).where(batches.c.item_id == item_id, batches.c.batch_no == batch_no)
        )
        .mappings()
        .first()
    )
    if row is not None:
        for label, given, kept in (
            ("manufacturing", mfg_date, row["mfg_date"]),
            ("expiry", expiry_date, row["expiry_date"]),
        ):
            if given is not None and given != kept:
                recorded = f"{kept:%d-%m-%Y}" if kept else "none"
                raise Conflict(
                    f"Batch {batch_no} is recorded with {label} date {recorded}, not "
                    f"{given:%d-%m-%Y}. Check the label, or give the batch a new number."
                )
        return BatchId(row["id"])
    batch_id = BatchId(
        _new_id(
            conn.execute(
                batches.insert().values(
                    item_id=item_id, batch_no=batch_no, mfg_date=mfg_date, expiry_date=expiry_date
                )
            )
        )
    )
    uow.record(
        "batch.add",
        "batch",
        batch_id,
        {"item": item_id, "batch": batch_no, "expiry": str(expiry_date) if expiry_date else None},
    )
    return batch_id


def add_batch(
    company: Company,
    item_id: ItemId,
    batch_no: str,
    mfg_date: date | None = None,
    expiry_date: date | None = None,
) -> BatchId:
    require(company.actor, Permission.POST_VOUCHERS)
    with company.unit_of_work() as uow:
        batch_id = batch_in(uow, item_id, batch_no, mfg_date, expiry_date)
        uow.commit()
    return batch_id


def set_batch_dates(
    company: Company, batch_id: BatchId, mfg_date: date | None, expiry_date: date | None
) -> None:
    with company.unit_of_work() as uow:
        set_batch_dates_in(uow, batch_id, mfg_date, expiry_date)
        uow.commit()


def set_batch_dates_in(
    uow: UnitOfWork, batch_id: BatchId, mfg_date: date | None, expiry_date: date | None
) -> None:
    """Correct a batch's manufacturing and expiry dates (a label misread; sync writes the
    dates that won on another device). Its moves stay as they are: a sale already made
    from it is not undone by an earlier expiry."""
    require(uow.actor, Permission.MANAGE_ITEMS)
    conn = uow.conn
    row = conn.execute(
        select(batches.c.batch_no, batches.c.mfg_date, batches.c.expiry_date).where(
            batches.c.id == batch_id
        )
    ).first()
    if row is None:
        raise NotFound(f"There is no batch {batch_id}.")
    _check_batch_dates(row.batch_no, mfg_date, expiry_date)
    if (row.mfg_date, row.expiry_date) == (mfg_date, expiry_date):
        return
    conn.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(mfg_date=mfg_date, expiry_date=expiry_date)
    )
    uow.record(
        "batch.update",
        "batch",
        batch_id,
        {
            "batch": row.batch_no,
            "mfg": str(mfg_date) if mfg_date else None,
            "expiry": str(expiry_date) if expiry_date else None,
        },
    )


# Stock moves -----------------------------------------------------------------------------


def post_stock(company: Company, entry: StockEntry, *, allow_expired: bool = False) -> PostedStock:
    with company.unit_of_work() as uow:
        posted = post_stock_in(uow, entry, allow_expired=allow_expired)
        uow.commit()
    return posted


def post_stock_in(
    uow: UnitOfWork, entry: StockEntry, *, allow_expired: bool = False
) -> PostedStock:
    """Check and write one document's moves, their serials and balances, and the audit row.

    ``allow_expired`` is the owner's permission to sell from a batch past its expiry.
    """
    return post_stock_entries_in(uow, [entry], allow_expired=allow_expired)[0]


def post_stock_entries_in(
    uow: UnitOfWork,
    entries: Sequence[StockEntry],
    *,
    allow_expired: bool = False,
    posted_elsewhere: bool = False,
) -> list[PostedStock]:
    """``post_stock_in`` for many documents at once (billing's bulk posting): the checks
    read once for all of them and each table takes one insert, with the same refusals and
    warnings as posting the entries one after another.

    ``posted_elsewhere``: documents another device already posted (sync). A sale from a batch
    expired here is kept: the expiry was checked, or the owner allowed it, where it was
    sold, and the batch's dates may have changed since."""
    for kind in sorted({entry.kind for entry in entries}):
        require(uow.actor, Permission.BILL if kind in _COUNTER_KINDS else Permission.POST_VOUCHERS)
    for entry in entries:
        check_entry(entry)
    return _write_entries(
        uow, entries, allow_expired=allow_expired, reversal=False, posted_elsewhere=posted_elsewhere
    )


def _write_entry(
    uow: UnitOfWork,
    entry: StockEntry,
    *,
    allow_expired: bool,
    reversal: bool,
    posted_elsewhere: bool,
) -> PostedStock:
    return _write_entries(
        uow,
        [entry],
        allow_expired=allow_expired,
        reversal=reversal,
        posted_elsewhere=posted_elsewhere,
    )[0]


# Built once: a sale at the counter runs each of these, and building a statement costs more
# than running it.
_MAX_MOVE_ID = select(func.max(stock_moves.c.id))
_BOOKS_BEGIN = select(company_table.c.books_begin)
_ITEM_FACTS = select(
    items.c.id, items.c.name, items.c.active, items.c.batch_tracked, items.c.serial_tracked
).where(items.c.id.in_(bindparam("ids", expanding=True)))
_GODOWNS_OPEN = select(godowns.c.id, godowns.c.active).where(
    godowns.c.id.in_(bindparam("ids", expanding=True))
)
_BALANCES_OF = select(
    stock_balances.c.item_id,
    stock_balances.c.godown_id,
    stock_balances.c.batch_key,
    stock_balances.c.qty,
).where(
    tuple_(stock_balances.c.item_id, stock_balances.c.godown_id, stock_balances.c.batch_key).in_(
        bindparam("keys", expanding=True)
    )
)


def _write_entries(
    uow: UnitOfWork,
    entries: Sequence[StockEntry],
    *,
    allow_expired: bool,
    reversal: bool,
    posted_elsewhere: bool = False,
) -> list[PostedStock]:
    if len(entries) > 1 and any(move.serials for entry in entries for move in entry.moves):
        # A serial's place is checked after each entry that moves it: one entry at a time.
        return [
            _write_entry(
                uow,
                entry,
                allow_expired=allow_expired,
                reversal=reversal,
                posted_elsewhere=posted_elsewhere,
            )
            for entry in entries
        ]
    if not entries:
        return []
    conn = uow.conn
    known, expired_in = _check_entries(
        uow,
        entries,
        allow_expired=allow_expired,
        reversal=reversal,
        posted_elsewhere=posted_elsewhere,
    )
    next_id = int(conn.execute(_MAX_MOVE_ID).scalar() or 0) + 1
    now = _now()
    move_rows: list[dict[str, Any]] = []
    serial_rows: list[dict[str, Any]] = []
    entry_deltas: list[dict[tuple[int, int, int], Decimal]] = []
    first_ids: list[int] = []
    for entry in entries:
        deltas: dict[tuple[int, int, int], Decimal] = defaultdict(lambda: QTY_ZERO)
        first_ids.append(next_id)
        for line_no, move in enumerate(entry.moves, start=1):
            move_id = next_id
            next_id += 1
            move_rows.append(
                {
                    "id": move_id,
                    "item_id": move.item_id,
                    "godown_id": move.godown_id,
                    "batch_id": move.batch_id,
                    "move_date": entry.move_date,
                    "kind": entry.kind.value,
                    "qty": move.qty,
                    "value": move.value,
                    "source_kind": entry.source_kind,
                    "source_id": entry.source_id,
                    "line_no": line_no,
                    "created_at": now,
                }
            )
            serial_rows += [
                {
                    "move_id": move_id,
                    "serial": serial,
                    "item_id": move.item_id,
                    "godown_id": move.godown_id,
                    "direction": 1 if move.qty > 0 else -1,
                }
                for serial in move.serials
            ]
            deltas[(move.item_id, move.godown_id, move.batch_id or 0)] += move.qty
        entry_deltas.append(deltas)
    warnings = _negative_stock(conn, entry_deltas, known)  # reads the balances before the moves
    insert_rows(conn, stock_moves, move_rows)
    if serial_rows:
        conn.execute(stock_move_serials.insert(), serial_rows)
        _check_serials(conn, serial_rows, known)
    totals: dict[tuple[int, int, int], Decimal] = defaultdict(lambda: QTY_ZERO)
    for deltas in entry_deltas:
        for key, qty in deltas.items():
            totals[key] += qty
    _add_balances(conn, totals)
    posted = []
    for index, entry in enumerate(entries):
        first = first_ids[index]
        move_ids = tuple(MoveId(first + n) for n in range(len(entry.moves)))
        details: dict[str, Any] = {
            "kind": entry.kind.value,
            "date": entry.move_date.isoformat(),
            "moves": [move_ids[0], move_ids[-1]],
        }
        if expired_in[index]:
            details["expired_batches_allowed"] = expired_in[index]
        if reversal:
            details["reversal"] = True
        uow.record("stock.post", "stock", f"{entry.source_kind}/{entry.source_id}", details)
        posted.append(PostedStock(move_ids, tuple(warnings[index])))
    return posted


def _check_entries(
    uow: UnitOfWork,
    entries: Sequence[StockEntry],
    *,
    allow_expired: bool,
    reversal: bool,
    posted_elsewhere: bool = False,
) -> tuple[dict[int, _ItemFacts], list[list[str]]]:
    """Dates, items, godowns, batches and serials of every entry, each read once; returns
    the items and, per entry, the expired batches the owner allowed it to sell from."""
    conn = uow.conn
    for day in dict.fromkeys(entry.move_date for entry in entries):
        _check_date(uow, day)
    moves = [move for entry in entries for move in entry.moves]
    known = _items_of(conn, {m.item_id for m in moves})
    _check_godowns(conn, {m.godown_id for m in moves})
    batch_rows = _batches_of(conn, {m.batch_id for m in moves if m.batch_id is not None})
    expired_in: list[list[str]] = []
    for entry in entries:
        expired = _check_lines(entry, known, batch_rows, reversal=reversal)
        if expired and not posted_elsewhere:
            if not allow_expired:
                raise ExpiredBatch(
                    f"{expired[0]} expired before {entry.move_date:%d-%m-%Y}; it cannot be "
                    "sold. Take it out of stock with an adjustment, or ask the owner to allow "
                    "this sale."
                )
            if uow.actor.role is not Role.OWNER:
                raise AccessDenied("Only the owner may allow a sale from an expired batch.")
        expired_in.append(expired)
    return known, expired_in


def _check_date(uow: UnitOfWork, on: date) -> None:
    # Read once per unit of work (a batch of documents asks for every one of them); the
    # lock shares the ledger's memo, as a voucher posted alongside checks the same date.
    conn = uow.conn
    books_begin = uow.memo(
        "company.books_begin",
        lambda: conn.execute(_BOOKS_BEGIN).scalar_one(),
    )
    if on < books_begin:
        raise ValidationError(
            f"{on:%d-%m-%Y} is before the books begin ({books_begin:%d-%m-%Y}). "
            "Enter stock held then as opening stock."
        )
    locked = uow.memo("ledger.locked_until", lambda: ledger_queries.locked_until(conn))
    if locked is not None and on <= locked:
        raise PeriodLocked(
            f"The books are locked up to {locked:%d-%m-%Y}, so no stock can move on "
            f"{on:%d-%m-%Y}. Ask the owner or accountant to unlock the period."
        )


@dataclass(frozen=True)
class _ItemFacts:
    name: str
    active: bool
    batch_tracked: bool
    serial_tracked: bool


def _items_of(conn: Connection, ids: set[ItemId]) -> dict[int, _ItemFacts]:
    found: dict[int, _ItemFacts] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), 900):  # SQLite's limit on bound parameters
        chunk = id_list[start : start + 900]
        for row in conn.execute(_ITEM_FACTS, {"ids": chunk}):
            found[row.id] = _ItemFacts(row.name, row.active, row.batch_tracked, row.serial_tracked)
    missing = ids - set(found)
    if missing:
        raise NotFound(f"There is no item {min(missing)}.")
    return found


def _check_godowns(conn: Connection, ids: set[GodownId]) -> None:
    rows = dict(conn.execute(_GODOWNS_OPEN, {"ids": sorted(ids)}).all())
    for godown_id in sorted(ids):
        if godown_id not in rows:
            raise NotFound(f"There is no godown {godown_id}.")
        if not rows[godown_id]:
            raise ValidationError(f"Godown {godown_id} is closed. Reopen it or pick another.")


def _batches_of(conn: Connection, ids: set[BatchId]) -> dict[int, Any]:
    if not ids:
        return {}
    found: dict[int, Any] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), 900):  # SQLite's limit on bound parameters
        query = select(
            batches.c.id, batches.c.item_id, batches.c.batch_no, batches.c.expiry_date
        ).where(batches.c.id.in_(id_list[start : start + 900]))
        found.update((row.id, row) for row in conn.execute(query))
    return found


def _check_lines(
    entry: StockEntry,
    known: dict[int, _ItemFacts],
    batch_rows: dict[int, Any],
    *,
    reversal: bool,
) -> list[str]:
    """Batch and serial rules per line; returns the expired batches a sale would take from."""
    expired = []
    for number, move in enumerate(entry.moves, start=1):
        facts = known[move.item_id]
        where = f"Line {number} ({facts.name})"
        if not facts.active and not reversal:
            raise ValidationError(f"{where}: the item is inactive. Activate it to move its stock.")
        if facts.batch_tracked != (move.batch_id is not None):
            need = "needs a batch" if facts.batch_tracked else "is not tracked by batch"
            raise ValidationError(f"{where}: the item {need}.")
        if move.batch_id is not None:
            batch = batch_rows.get(move.batch_id)
            if batch is None or batch.item_id != move.item_id:
                raise NotFound(f"{where}: batch {move.batch_id} is not a batch of this item.")
            if (
                entry.kind is MoveKind.SALE
                and not reversal
                and is_expired(batch.expiry_date, entry.move_date)
            ):
                expired.append(f"{facts.name} batch {batch.batch_no}")
        if facts.serial_tracked != bool(move.serials):
            need = "needs its serial numbers" if facts.serial_tracked else "has no serial numbers"
            raise ValidationError(f"{where}: the item {need}.")
    return expired


def _check_serials(
    conn: Connection, rows: list[dict[str, Any]], known: dict[int, _ItemFacts]
) -> None:
    """After the insert, each serial is in stock at most once, and never below zero."""
    keys = sorted({(row["item_id"], row["serial"]) for row in rows})
    held = conn.execute(
        select(
            stock_move_serials.c.item_id,
            stock_move_serials.c.serial,
            stock_move_serials.c.godown_id,
            func.sum(stock_move_serials.c.direction),
        )
        .where(tuple_(stock_move_serials.c.item_id, stock_move_serials.c.serial).in_(keys))
        .group_by(
            stock_move_serials.c.item_id,
            stock_move_serials.c.serial,
            stock_move_serials.c.godown_id,
        )
    ).all()
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for item_id, serial, _godown, count in held:
        name = known[item_id].name
        if count < 0:
            raise ValidationError(f"{name} serial {serial} is not in stock in that godown.")
        totals[(item_id, serial)] += count
    for (item_id, serial), count in totals.items():
        if count > 1:
            raise Conflict(f"{known[item_id].name} serial {serial} is already in stock.")


def _balance_upsert() -> Any:
    upsert = sqlite_insert(stock_balances)
    return upsert.on_conflict_do_update(
        index_elements=["item_id", "godown_id", "batch_key"],
        set_={"qty": stock_balances.c.qty + upsert.excluded.qty},
    )


# Built once: ``excluded`` makes a fresh column collection on every call (about 0.7 ms).
_BALANCE_UPSERT = _balance_upsert()


def _add_balances(conn: Connection, deltas: dict[tuple[int, int, int], Decimal]) -> None:
    conn.execute(
        _BALANCE_UPSERT,
        [
            {"item_id": item, "godown_id": godown, "batch_key": batch, "qty": qty}
            for (item, godown, batch), qty in deltas.items()
        ],
    )


def _negative_stock(
    conn: Connection,
    entry_deltas: Sequence[dict[tuple[int, int, int], Decimal]],
    known: dict[int, _ItemFacts],
) -> list[list[str]]:
    """Stock each entry leaves below zero where it takes goods out: refused or warned, by
    company setting. Read before the moves are written and counted entry by entry, so a
    batch finds what posting its entries one after another would."""
    outward = sorted({key for deltas in entry_deltas for key, qty in deltas.items() if qty < 0})
    if not outward:
        return [[] for _ in entry_deltas]
    running: dict[tuple[int, int, int], Decimal] = dict.fromkeys(outward, QTY_ZERO)
    for start in range(0, len(outward), 300):
        chunk = outward[start : start + 300]
        for item, godown, batch, qty in conn.execute(_BALANCES_OF, {"keys": chunk}):
            running[(item, godown, batch)] = qty
    short: list[list[tuple[tuple[int, int, int], Decimal]]] = []
    for deltas in entry_deltas:
        for key, qty in deltas.items():
            if key in running:
                running[key] += qty
        taken = sorted(key for key, qty in deltas.items() if qty < 0)
        short.append([(key, running[key]) for key in taken if running[key] < 0])
    if not any(short):
        return [[] for _ in entry_deltas]
    names = dict(conn.execute(select(godowns.c.id, godowns.c.name)).all())
    messages = [
        [
            f"{known[item].name} in {names[godown]}{' (batch)' if batch else ''} "
            f"would be {qty} after this entry"
            for (item, godown, batch), qty in found
        ]
        for found in short
    ]
    if inventory_settings(conn).negative_stock is NegativeStockPolicy.BLOCK:
        first = next(found for found in messages if found)
        raise NegativeStock(
            f"Not enough stock: {first[0]}. Record the purchase or transfer first; the "
            "company does not allow negative stock."
        )
    return [[f"Negative stock: {message}." for message in found] for found in messages]


def reverse_stock_in(uow: UnitOfWork, source_kind: str, source_id: str, on: date) -> PostedStock:
    """Undo a cancelled document's stock with opposite moves; the original ones stay.

    Goods coming back are valued at the running cost, goods going back out by the method.
    """
    conn = uow.conn
    rows = (
        conn.execute(
            select(stock_moves)
            .where(stock_moves.c.source_kind == source_kind, stock_moves.c.source_id == source_id)
            .order_by(stock_moves.c.id)
        )
        .mappings()
        .all()
    )
    if not rows:
        raise NotFound(f"No stock was moved by {source_kind} {source_id}.")
    if sum((row["qty"] for row in rows), QTY_ZERO) == 0 and len(rows) > 1:
        net: dict[tuple[int, int, int], Decimal] = defaultdict(lambda: QTY_ZERO)
        for row in rows:
            net[(row["item_id"], row["godown_id"], row["batch_id"] or 0)] += row["qty"]
        if all(qty == 0 for qty in net.values()):
            raise Conflict(f"The stock of {source_kind} {source_id} has already been reversed.")
    kind = MoveKind(rows[0]["kind"])
    require(uow.actor, Permission.BILL if kind in _COUNTER_KINDS else Permission.POST_VOUCHERS)
    serials: dict[int, list[str]] = defaultdict(list)
    for move_id, serial in conn.execute(
        select(stock_move_serials.c.move_id, stock_move_serials.c.serial).where(
            stock_move_serials.c.move_id.in_([row["id"] for row in rows])
        )
    ):
        serials[move_id].append(serial)
    moves = tuple(
        Move(
            item_id=ItemId(row["item_id"]),
            godown_id=GodownId(row["godown_id"]),
            qty=-row["qty"],
            batch_id=row["batch_id"],
            serials=tuple(sorted(serials[row["id"]])),
        )
        for row in reversed(rows)  # a transfer's inward leg leaves before the outward returns
    )
    entry = StockEntry(kind, on, source_kind, source_id, moves)
    return _write_entry(uow, entry, allow_expired=True, reversal=True, posted_elsewhere=False)


# Inventory's own documents ---------------------------------------------------------------


def _journal(uow: UnitOfWork, kind: str, on: date, narration: str) -> str:
    result = uow.conn.execute(
        stock_journals.insert().values(
            kind=kind,
            journal_date=on,
            narration=narration,
            created_at=_now(),
            created_by=uow.actor.username,
        )
    )
    return str(_new_id(result))


@dataclass(frozen=True)
class StockLine:
    """A line of a transfer or adjustment, as the user enters it (base units)."""

    item_id: ItemId
    qty: Decimal
    batch_id: BatchId | None = None
    serials: tuple[str, ...] = ()
    value: Decimal | None = None  # opening stock and count gains may carry their cost


def set_opening_stock(
    company: Company, godown_id: GodownId, lines: Sequence[StockLine], on: date | None = None
) -> PostedStock:
    """Stock held when the books begin, with what it cost (for valuation)."""
    with company.unit_of_work() as uow:
        posted = opening_stock_in(uow, godown_id, lines, on or company.profile.books_begin)
        uow.commit()
    return posted


def opening_stock_in(
    uow: UnitOfWork, godown_id: GodownId, lines: Sequence[StockLine], on: date
) -> PostedStock:
    source = _journal(uow, "opening", on, "Opening stock")
    moves = tuple(
        Move(line.item_id, godown_id, line.qty, line.value, line.batch_id, line.serials)
        for line in lines
    )
    return post_stock_in(uow, StockEntry(MoveKind.OPENING, on, "stock journal", source, moves))


def transfer_stock(
    company: Company,
    from_godown: GodownId,
    to_godown: GodownId,
    lines: Sequence[StockLine],
    on: date,
    narration: str = "",
) -> PostedStock:
    """Move goods between godowns; the company's stock and its value do not change."""
    with company.unit_of_work() as uow:
        posted = transfer_stock_in(uow, from_godown, to_godown, lines, on, narration)
        uow.commit()
    return posted


def transfer_stock_in(
    uow: UnitOfWork,
    from_godown: GodownId,
    to_godown: GodownId,
    lines: Sequence[StockLine],
    on: date,
    narration: str = "",
) -> PostedStock:
    """``transfer_stock`` in a caller's unit of work (sync re-posts a received transfer)."""
    if from_godown == to_godown:
        raise ValidationError("A transfer needs two different godowns.")
    source = _journal(uow, "transfer", on, narration)
    moves = tuple(
        Move(line.item_id, from_godown, -line.qty, None, line.batch_id, line.serials)
        for line in lines
    ) + tuple(
        Move(line.item_id, to_godown, line.qty, None, line.batch_id, line.serials) for line in lines
    )
    if any(line.qty <= 0 for line in lines):
        raise ValidationError("Transfer quantities must be above zero.")
    return post_stock_in(uow, StockEntry(MoveKind.TRANSFER, on, "stock journal", source, moves))


def adjust_stock(
    company: Company,
    godown_id: GodownId,
    lines: Sequence[StockLine],
    on: date,
    narration: str,
) -> PostedStock:
    """Damage, samples, shortages and finds: signed quantities with a reason."""
    with company.unit_of_work() as uow:
        posted = adjust_stock_in(uow, godown_id, lines, on, narration)
        uow.commit()
    return posted


def adjust_stock_in(
    uow: UnitOfWork,
    godown_id: GodownId,
    lines: Sequence[StockLine],
    on: date,
    narration: str,
    *,
    journal: str = "adjustment",
) -> PostedStock:
    """``adjust_stock`` in a caller's unit of work. Sync re-posts a physical count received
    from another device as the differences it found there (``journal="count"``): counting
    again here would find other differences, and the devices' stock would part."""
    if not narration.strip():
        raise ValidationError("Say why the stock is adjusted (damaged, sample, found ...).")
    source = _journal(uow, journal, on, narration)
    moves = tuple(
        Move(line.item_id, godown_id, line.qty, line.value, line.batch_id, line.serials)
        for line in lines
    )
    return post_stock_in(uow, StockEntry(MoveKind.ADJUSTMENT, on, "stock journal", source, moves))


@dataclass(frozen=True)
class CountLine:
    item_id: ItemId
    counted: Decimal
    batch_id: BatchId | None = None


def count_stock(
    company: Company, godown_id: GodownId, lines: Sequence[CountLine], on: date
) -> PostedStock | None:
    """A physical count: adjust each counted item to what is on the shelf on ``on``.

    Returns None when the count matches the books.
    """
    with company.unit_of_work() as uow:
        books = _on_hand_as_of(uow.conn, godown_id, on)
        moves = []
        for line in lines:
            difference = line.counted - books.get((line.item_id, line.batch_id or 0), QTY_ZERO)
            if difference:
                moves.append(Move(line.item_id, godown_id, difference, None, line.batch_id))
        if not moves:
            return None
        source = _journal(uow, "count", on, "Physical stock count")
        posted = post_stock_in(
            uow, StockEntry(MoveKind.ADJUSTMENT, on, "stock journal", source, tuple(moves))
        )
        uow.commit()
    return posted


def _on_hand_as_of(
    conn: Connection, godown_id: GodownId, on: date
) -> dict[tuple[int, int], Decimal]:
    rows = conn.execute(
        select(
            stock_moves.c.item_id,
            func.coalesce(stock_moves.c.batch_id, 0),
            func.sum(raw_thousandths(stock_moves.c.qty)),
        )
        .where(stock_moves.c.godown_id == godown_id, stock_moves.c.move_date <= on)
        .group_by(stock_moves.c.item_id, func.coalesce(stock_moves.c.batch_id, 0))
    ).all()
    return {(item, batch): from_thousandths(total) for item, batch, total in rows}
