"""The transactional outbox: turn this company's own changes into sync changes.

Capture rides on the audit log, which every use case already writes in its own transaction
(DESIGN.md §4-5). Just before COMMIT, ``before_commit`` (a ``UnitOfWork`` hook) reads the
audit rows written since the last sweep and, in the same SQLite transaction, writes one outbox
row: a gap-free ``device_seq``, a fresh HLC stamp and the change's ops. So a sale and its
outbox row are committed together or not at all, and no service needed a sync line.

A process that never imported ``app.syncing`` (a script, an old CLI) still writes its audit
rows; the next sweep (the next hooked commit, or ``bahi sync now``) turns them into a change.
Nothing is lost, it only travels later.

What travels (sync-design.md §7.1):
* ``documents``: a posted document whole (header, lines, tenders, its number's series),
  insert-only; the receiving device re-posts it through billing, which recomputes its voucher,
  stock moves and balances (derived state is never sent).
* ``cancellations``: a cancelled document's date and reason (a document itself never changes).
* ``settlements``: a receipt or payment recorded after the sale, with its allocations against
  documents (by their shop-wide ids); re-posted through billing, which writes its voucher.
* ``vouchers``: a journal, contra, receipt or payment voucher entered by hand (ledger source
  ""), or the reversal of one; its accounts travel by role, party or name, never by local id.
* ``stock_entries``: a stock transfer between godowns, an adjustment or a physical count
  (inventory's own journals other than opening stock): its kind, date, narration and moves
  (item by shop-wide id, godown by name, quantity, value), insert-only; re-posted through
  inventory. A count travels as the differences it found, not the figures counted.
* ``stock_reversals``: such an entry reversed (its moves undone by opposite ones).
* ``irns``: a sales document's e-invoice details (IRN, acknowledgement, signed QR) under
  the document's shop-wide id, recorded once after posting (the document never changes).
* ``parties``, ``items``, ``godowns`` and ``accounts``: master data, one ``set`` op per
  changed field (per-field LWW). An item's barcodes, other units and price lists are three
  fields of it (``item_details``), each the whole sorted list. An account travels when a
  user made it (not a party's own, which comes with its party, nor one playing a role, which
  every device makes alike when first needed), by its name and its group's name, never by a
  local id.
* ``batches``: master data under a key that names the batch the same on every device, its
  item's shop-wide id and its number (``batch_key``); its fields are its manufacturing and
  expiry dates. A document's line and a stock entry's move name their batch by its number
  (their item is the line's), never by a local id.
* ``openings``: a party's opening balance and the opening stock of an item (of a batch) in a
  godown on a day, each one LWW value under a key that names them shop-wide
  (``opening_key``). The value is the whole opening (not the change), so whichever write
  wins, every device ends with the same figure; it is re-made there through billing or
  inventory, never copied as rows.
* ``settings``: a company setting (``shared_settings``), one LWW value under its key; a
  device's own settings (theme, paper, backups ...) stay on it.

A transaction that would make one huge change (the first sync of a company with thousands of
items, a bulk import of bills) is cut into several rows, each small enough for an envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Boolean,
    Connection,
    Date,
    Integer,
    Table,
    bindparam,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects.sqlite import insert

from app.billing.queries import opening_journals
from app.billing.tables import (
    allocations,
    document_lines,
    documents,
    number_series,
    parties,
    settlements,
)
from app.inventory.model import MoveKind
from app.inventory.tables import (
    batches,
    godowns,
    item_barcodes,
    item_prices,
    item_units,
    items,
    stock_journals,
    stock_move_serials,
    stock_moves,
)
from app.ledger.tables import account_groups, accounts, postings, vouchers
from app.storage.audit import canonical_json
from app.storage.settings import read_setting
from app.storage.tables import audit_log
from app.storage.types import Paise, Percent, Quantity
from app.storage.uow import UnitOfWork
from app.syncing.shared_settings import MAX_SHARED_CHARS, SETTINGS, is_shared
from app.syncing.tables import sync_fields, sync_ids, sync_outbox, sync_state
from sync.client import new_tx_id
from sync.clock import HybridClock, Timestamp
from sync.merge import (
    PLAIN_TYPES,
    Change,
    DocOp,
    JsonValue,
    Op,
    SetOp,
    SyncSchema,
    encode_change,
)

OPENINGS = "openings"
BATCHES = "batches"
STOCK_ENTRIES = "stock_entries"
STOCK_REVERSALS = "stock_reversals"
IRNS = "irns"
SCHEMA = SyncSchema(
    # 2: settlements and hand-entered vouchers; 3: godowns, ledger accounts and openings;
    # 4: stock entries (transfers, adjustments, counts) and items' barcodes, units, prices;
    # 5: batches, and documents, stock entries and opening stock with batch lines; IRNs;
    # 6: company settings
    version=6,
    documents=frozenset(
        {
            "documents",
            "cancellations",
            "settlements",
            "vouchers",
            STOCK_ENTRIES,
            STOCK_REVERSALS,
            IRNS,
        }
    ),
    master=frozenset({"parties", "items", "godowns", "accounts", BATCHES, OPENINGS, SETTINGS}),
)
# Master tables with a local row (and a ``name``) for each shop-wide id.
MASTER: dict[str, Table] = {
    "parties": parties,
    "items": items,
    "godowns": godowns,
    "accounts": accounts,
}
# Columns that are local bookkeeping, not the shared record.
_LOCAL_COLUMNS = {"id", "account_id", "created_at", "updated_at"}
APPLYING = "sync.applying"  # a uow memo: this unit applies received changes; capture skips
MAX_OPS = 400  # ops per change, so an envelope stays far below the service's size limit
# A change's plain JSON: sealed (compressed) it stays under the service's 256 KB an envelope
# even when it does not compress (a logo).
MAX_CHANGE_BYTES = 160 * 1024

_PARTY_ACTIONS = {"party.add", "party.update"}
_ITEM_ACTIONS = {"item.add", "item.update", "item.activate", "item.deactivate"}
_ACCOUNT_ACTIONS = {"account.add", "account.rename"}
_BATCH_ACTIONS = {"batch.add", "batch.update"}
_PARTY_OPENING = "party.opening"
_SETTING = "setting.change"
_POSTED = {"document.post": "documents", "document.irn": IRNS, "settlement.add": "settlements"}
STOCK_JOURNAL = "stock journal"  # inventory's source kind for opening stock, counts ...


# ---------------------------------------------------------------- small state


_READ_STATE = select(sync_state.c.v).where(sync_state.c.k == bindparam("k"))
_READ_STATES = select(sync_state.c.k, sync_state.c.v).where(
    sync_state.c.k.in_(bindparam("keys", expanding=True))
)
_WRITE_STATE = insert(sync_state)
_WRITE_STATE = _WRITE_STATE.on_conflict_do_update(
    index_elements=[sync_state.c.k], set_={"v": _WRITE_STATE.excluded.v}
)
# What a sweep reads, in one statement: it runs before every commit, so at the counter.
_SWEEP_KEYS = (
    "device_id",
    "audit_through",
    "hlc",
    "clock_offset",
    "next_device_seq",
    "settings_from",
)


def read_state(conn: Connection, key: str) -> str | None:
    return conn.execute(_READ_STATE, {"k": key}).scalar()


def read_states(conn: Connection, keys: tuple[str, ...]) -> dict[str, str]:
    return {r.k: r.v for r in conn.execute(_READ_STATES, {"keys": list(keys)})}


def write_state(conn: Connection, key: str, value: str) -> None:
    write_states(conn, {key: value})


def write_states(conn: Connection, values: dict[str, str]) -> None:
    conn.execute(_WRITE_STATE, [{"k": k, "v": v} for k, v in values.items()])


def read_int_state(conn: Connection, key: str) -> int:
    value = read_state(conn, key)
    return int(value) if value else 0


def device_id(conn: Connection) -> str | None:
    """This company's device id; None until sync is set up (then nothing is captured)."""
    return read_state(conn, "device_id")


def _clock(node: str, state: dict[str, str]) -> HybridClock:
    last, offset = state.get("hlc"), state.get("clock_offset")
    return HybridClock(
        node, last=Timestamp.parse(last) if last else None, offset_ms=int(offset or 0)
    )


def load_clock(conn: Connection, node: str) -> HybridClock:
    return _clock(node, read_states(conn, ("hlc", "clock_offset")))


def _clock_state(clock: HybridClock) -> dict[str, str]:
    return {"hlc": clock.last.text(), "clock_offset": str(clock.offset_ms)}


def save_clock(conn: Connection, clock: HybridClock) -> None:
    write_states(conn, _clock_state(clock))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- ids and values


_GIDS_OF = select(sync_ids.c.tbl, sync_ids.c.local_id, sync_ids.c.gid).where(
    tuple_(sync_ids.c.tbl, sync_ids.c.local_id).in_(bindparam("keys", expanding=True))
)


def gid_for(conn: Connection, table: str, local_id: int, device: str) -> str:
    """The shop-wide id of a local row; minted from the device id the first time it travels."""
    return gids_for(conn, {table: [local_id]}, device)[(table, local_id)]


def gids_for(
    conn: Connection, wanted: dict[str, list[int]], device: str
) -> dict[tuple[str, int], str]:
    """``gid_for`` of many rows of several tables, by (table, local id): one read (and one
    write for the new ones) however many rows a sale or a bulk import names."""
    keys = list(dict.fromkeys((table, i) for table, ids in wanted.items() for i in ids))
    found: dict[tuple[str, int], str] = {}
    for start in range(0, len(keys), 400):  # two bound parameters a key, under SQLite's limit
        for r in conn.execute(_GIDS_OF, {"keys": keys[start : start + 400]}):
            found[(r.tbl, int(r.local_id))] = str(r.gid)
    minted = {key: f"{device}:{key[1]}" for key in keys if key not in found}
    if minted:
        conn.execute(
            sync_ids.insert(),
            [{"tbl": t, "gid": gid, "local_id": i} for (t, i), gid in minted.items()],
        )
    return found | minted


_LOCAL_ID = select(sync_ids.c.local_id).where(
    sync_ids.c.tbl == bindparam("tbl"), sync_ids.c.gid == bindparam("gid")
)
_LOCAL_IDS = select(sync_ids.c.tbl, sync_ids.c.gid, sync_ids.c.local_id).where(
    tuple_(sync_ids.c.tbl, sync_ids.c.gid).in_(bindparam("keys", expanding=True))
)


def local_id(conn: Connection, table: str, gid: str) -> int | None:
    found = conn.execute(_LOCAL_ID, {"tbl": table, "gid": gid}).scalar()
    return None if found is None else int(found)


def local_ids(conn: Connection, wanted: dict[str, list[str]]) -> dict[tuple[str, str], int]:
    """``local_id`` of many gids of several tables, by (table, gid), in one read per few
    hundred; a gid not received here is left out."""
    keys = list(dict.fromkeys((table, gid) for table, gids in wanted.items() for gid in gids))
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), 400):  # two bound parameters a key, under SQLite's limit
        for r in conn.execute(_LOCAL_IDS, {"keys": keys[start : start + 400]}):
            found[(r.tbl, r.gid)] = int(r.local_id)
    return found


def to_json(value: object) -> JsonValue:
    """A column value as it travels: Decimals and dates as text, never floats."""
    if type(value) in PLAIN_TYPES:
        return cast(JsonValue, value)  # a str, int, bool or None as it is
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"{type(value).__name__} cannot be synced")


def from_json(table: Table, column: str, value: JsonValue) -> Any:
    """A travelled value back in the column's Python type."""
    if value is None:
        return None
    kind = table.c[column].type
    if isinstance(kind, Paise | Quantity | Percent):
        return Decimal(str(value))
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Date):
        return date.fromisoformat(str(value))
    if isinstance(kind, Integer):
        return int(str(value))
    return value


def master_fields(table: Table) -> list[str]:
    if table is accounts:
        return list(_ACCOUNT_FIELDS)
    return [c.name for c in table.columns if c.name not in _LOCAL_COLUMNS]


# ---------------------------------------------------------------- building ops


# An account's group travels by name (group ids are local); a party's own account travels
# with its party, so it is left out here (and ``_made_by_hand`` leaves out role accounts).
_ACCOUNT_FIELDS = ("name", "group")
_ACCOUNT_OF = (
    select(accounts.c.name, account_groups.c.name.label("group"), accounts.c.system_key)
    .add_columns(parties.c.id.label("party"))
    .join(account_groups, account_groups.c.id == accounts.c.group_id)
    .outerjoin(parties, parties.c.account_id == accounts.c.id)
    .where(accounts.c.id == bindparam("id"))
)


def _master_values(conn: Connection, name: str, row_id: int) -> dict[str, JsonValue] | None:
    """A master record's fields as they travel; None when it does not travel."""
    if name == "accounts":
        account = conn.execute(_ACCOUNT_OF, {"id": row_id}).first()
        if account is None or account.party is not None or account.system_key is not None:
            return None
        return {"name": account.name, "group": account.group}
    table = MASTER[name]
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        return None
    values = {field: to_json(row[field]) for field in master_fields(table)}
    return values | item_details(conn, row_id) if table is items else values


_BARCODES_OF = select(item_barcodes.c.code).where(item_barcodes.c.item_id == bindparam("id"))
_UNITS_OF = select(item_units.c.uqc, item_units.c.factor).where(
    item_units.c.item_id == bindparam("id")
)
_PRICES_OF = select(item_prices.c.price_list, item_prices.c.price).where(
    item_prices.c.item_id == bindparam("id")
)


def item_details(conn: Connection, item_id: int) -> dict[str, JsonValue]:
    """An item's barcodes, other units and price lists as they travel: each a sorted list,
    so the same rows are the same value on every device."""
    ids = {"id": item_id}
    barcodes: list[JsonValue] = sorted(conn.execute(_BARCODES_OF, ids).scalars())
    units: list[JsonValue] = [
        {"uqc": uqc, "factor": to_json(factor)}
        for uqc, factor in sorted((r.uqc, r.factor) for r in conn.execute(_UNITS_OF, ids))
    ]
    prices: list[JsonValue] = [
        {"list": name, "price": to_json(price)}
        for name, price in sorted((r.price_list, r.price) for r in conn.execute(_PRICES_OF, ids))
    ]
    return {"barcodes": barcodes, "units": units, "prices": prices}


def _master_ops(
    conn: Connection, name: str, row_id: int, device: str, stamp: Timestamp
) -> list[Op]:
    """A ``set`` op for each field that differs from the last synced value."""
    if name == BATCHES:
        return _batch_ops(conn, row_id, device, stamp)
    values = _master_values(conn, name, row_id)
    if values is None:
        return []
    return _set_ops(conn, name, gid_for(conn, name, row_id, device), values, stamp)


def _set_ops(
    conn: Connection, name: str, gid: str, values: dict[str, JsonValue], stamp: Timestamp
) -> list[Op]:
    """The ``set`` ops of the values that differ from the last synced ones (kept as this
    device's stamp, the ``base`` of its next write)."""
    known = {
        r.field: (r.hlc, r.value)
        for r in conn.execute(
            select(sync_fields.c.field, sync_fields.c.hlc, sync_fields.c.value).where(
                sync_fields.c.tbl == name, sync_fields.c.gid == gid
            )
        )
    }
    ops: list[Op] = []
    for field, value in values.items():
        text = canonical_json({"v": value})
        old = known.get(field)
        if old is not None and old[1] == text:
            continue
        base = Timestamp.parse(old[0]) if old else None
        ops.append(SetOp(name, gid, field, value, base))
        stmt = insert(sync_fields).values(
            tbl=name, gid=gid, field=field, hlc=stamp.text(), value=text
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[sync_fields.c.tbl, sync_fields.c.gid, sync_fields.c.field],
                set_={"hlc": stamp.text(), "value": text},
            )
        )
    return ops


def _synced(conn: Connection, name: str, gid: str) -> bool:
    found = conn.execute(
        select(sync_fields.c.field).where(sync_fields.c.tbl == name, sync_fields.c.gid == gid)
    ).first()
    return found is not None


# ---------------------------------------------------------------- batches


def batch_key(item_gid: str, batch_no: str) -> str:
    """A batch shop-wide: its item's shop-wide id and its number, matched as inventory
    matches batch numbers (trimmed, case kept), so batch B-17 of an item is one batch on
    every device, whatever its local id."""
    return canonical_json(["batch", item_gid, batch_no.strip()])


def batch_key_parts(key: str) -> tuple[str, str]:
    """(item gid, batch number) of a ``batch_key``."""
    parts = json.loads(key)
    if not (isinstance(parts, list) and len(parts) == 3 and parts[0] == "batch"):
        raise ValueError(f"{key!r} names no batch.")
    return str(parts[1]), str(parts[2])


_BATCH = select(
    batches.c.item_id, batches.c.batch_no, batches.c.mfg_date, batches.c.expiry_date
).where(batches.c.id == bindparam("id"))


def _batch_ops(
    conn: Connection, batch_id: int, device: str, stamp: Timestamp, *, with_item: bool = True
) -> list[Op]:
    """A batch's changed dates under its ``batch_key``, its item first (usually already
    synced, so nothing) so that a receiver knows what the batch is of."""
    row = conn.execute(_BATCH, {"id": batch_id}).first()
    if row is None:
        return []
    ops = _master_ops(conn, "items", row.item_id, device, stamp) if with_item else []
    key = batch_key(gid_for(conn, "items", row.item_id, device), row.batch_no)
    values = {"mfg_date": to_json(row.mfg_date), "expiry_date": to_json(row.expiry_date)}
    return ops + _set_ops(conn, BATCHES, key, values, stamp)


_DOCUMENT_BATCHES = (
    select(document_lines.c.document_id, document_lines.c.batch_id)
    .where(
        document_lines.c.document_id.in_(bindparam("ids", expanding=True)),
        document_lines.c.batch_id.is_not(None),
    )
    .distinct()
)
_ENTRY_BATCHES = (
    select(stock_moves.c.source_id, stock_moves.c.batch_id)
    .where(
        stock_moves.c.source_kind == STOCK_JOURNAL,
        stock_moves.c.source_id.in_(bindparam("ids", expanding=True)),
        stock_moves.c.batch_id.is_not(None),
    )
    .distinct()
)


def named_batches(conn: Connection, doc_ids: list[int], journal_ids: list[int]) -> set[int]:
    """The batches these documents' lines and stock entries' moves name."""
    named: set[int] = set()
    for query, ids in (
        (_DOCUMENT_BATCHES, doc_ids),
        (_ENTRY_BATCHES, [str(i) for i in journal_ids]),
    ):
        for start in range(0, len(ids), 900):  # SQLite's limit on bound parameters
            named.update(r[1] for r in conn.execute(query, {"ids": ids[start : start + 900]}))
    return named


def named_batch_ops(
    conn: Connection, batch_ids: set[int], device: str, stamp: Timestamp
) -> list[Op]:
    """Ops for those of these batches whose dates never travelled (made before batches
    synced): they go first in a change whose lines name them, so the receiver has the
    batch a line names. Nothing for a batch already synced."""
    ops: list[Op] = []
    for batch_id in sorted(batch_ids):
        ops.extend(_batch_ops(conn, batch_id, device, stamp, with_item=False))
    return ops


# ---------------------------------------------------------------- openings


def party_opening_key(party_gid: str) -> str:
    return canonical_json(["party", party_gid])


def stock_opening_key(item_gid: str, godown: str, on: date, batch_no: str | None = None) -> str:
    """An item's opening stock in a godown on a day (of one batch, by its number). The
    godown goes by name, as on a document's line: "Main Godown" is one godown on every
    device, whatever its local id."""
    parts = ["stock", item_gid, godown.casefold(), on.isoformat()]
    return canonical_json(parts if batch_no is None else [*parts, batch_no.strip()])


def opening_key(key: str) -> list[str]:
    """A key's parts: ["party", party gid] or ["stock", item gid, godown, day], with the
    batch number last for a batch's opening stock."""
    parts = json.loads(key)
    if not (isinstance(parts, list) and parts and parts[0] in ("party", "stock")):
        raise ValueError(f"{key!r} names no opening balance or opening stock.")
    return [str(p) for p in parts]


_OPENING_MOVES = (
    select(stock_moves.c.source_id, stock_moves.c.qty, stock_moves.c.value)
    .where(
        stock_moves.c.kind == MoveKind.OPENING.value,
        stock_moves.c.source_kind == STOCK_JOURNAL,
        stock_moves.c.item_id == bindparam("item"),
        stock_moves.c.godown_id == bindparam("godown"),
        stock_moves.c.move_date == bindparam("on"),
        stock_moves.c.batch_id.is_not_distinct_from(bindparam("batch")),
    )
    .order_by(stock_moves.c.id)
)
QTY_PLACES = Decimal("0.001")
PAISE = Decimal("0.01")


def opening_stock(
    conn: Connection, item_id: int, godown_id: int, on: date, batch_id: int | None = None
) -> tuple[dict[str, tuple[Decimal, Decimal]], Decimal, Decimal]:
    """The opening journals standing for an item (of one batch, or without one) in a
    godown on a day, each with its (qty, value) for them, and the totals. A journal
    reversed by ``reverse_stock_in`` has its opposite moves under the same source."""
    params = {"item": item_id, "godown": godown_id, "on": on, "batch": batch_id}
    moves = conn.execute(_OPENING_MOVES, params).all()
    reversed_ = {m.source_id for m in moves if m.qty < 0}
    standing: dict[str, tuple[Decimal, Decimal]] = {}
    for m in moves:
        if m.source_id not in reversed_:
            qty, value = standing.get(m.source_id, (Decimal(0), Decimal(0)))
            standing[m.source_id] = (qty + m.qty, value + (m.value or 0))
    qty = sum((q for q, _ in standing.values()), Decimal(0)).quantize(QTY_PLACES)
    value = sum((v for _, v in standing.values()), Decimal(0)).quantize(PAISE)
    return standing, qty, value


def stock_opening_value(qty: Decimal, value: Decimal) -> JsonValue:
    return {"qty": to_json(qty.quantize(QTY_PLACES)), "value": to_json(value.quantize(PAISE))}


_OPENING_KEYS = (
    select(stock_moves.c.item_id, stock_moves.c.godown_id, stock_moves.c.move_date)
    .add_columns(godowns.c.name.label("godown"), stock_moves.c.batch_id, batches.c.batch_no)
    .join(godowns, godowns.c.id == stock_moves.c.godown_id)
    .outerjoin(batches, batches.c.id == stock_moves.c.batch_id)
    .where(
        stock_moves.c.kind == MoveKind.OPENING.value,
        stock_moves.c.source_kind == STOCK_JOURNAL,
        stock_moves.c.source_id.in_(bindparam("sources", expanding=True)),
    )
    .distinct()
    .order_by(
        stock_moves.c.item_id,
        stock_moves.c.godown_id,
        stock_moves.c.move_date,
        stock_moves.c.batch_id,
    )
)


def _opening_ops(conn: Connection, touched: _Touched, device: str, out: _Rows) -> None:
    """The openings this transaction changed, each as its whole figure. The records they
    name travel first (usually already synced, so nothing), so a receiver knows them."""
    for party_id in touched.party_openings:
        stamp = out.next_stamp()
        ops = _master_ops(conn, "parties", party_id, device, stamp)
        amount = sum((part for _, part in opening_journals(conn, party_id)), Decimal(0))
        key = party_opening_key(gid_for(conn, "parties", party_id, device))
        if amount != 0 or _synced(conn, OPENINGS, key):  # else no opening balance to tell
            amount_text = to_json(amount.quantize(PAISE))
            ops.extend(_set_ops(conn, OPENINGS, key, {"amount": amount_text}, stamp))
        out.add(ops)
    sources = list(touched.stock_journals)
    keys = conn.execute(_OPENING_KEYS, {"sources": sources}).all() if sources else []
    for row in keys:
        stamp = out.next_stamp()
        ops = _master_ops(conn, "items", row.item_id, device, stamp)
        ops.extend(_master_ops(conn, "godowns", row.godown_id, device, stamp))
        if row.batch_id is not None:
            ops.extend(_batch_ops(conn, row.batch_id, device, stamp, with_item=False))
        _, qty, value = opening_stock(conn, row.item_id, row.godown_id, row.move_date, row.batch_id)
        item_gid = gid_for(conn, "items", row.item_id, device)
        key = stock_opening_key(item_gid, row.godown, row.move_date, row.batch_no)
        ops.extend(_set_ops(conn, OPENINGS, key, {"stock": stock_opening_value(qty, value)}, stamp))
        out.add(ops)


_SERIES_OF = select(number_series.c.device, number_series.c.prefix).where(
    number_series.c.kind == bindparam("s_kind"), number_series.c.fy == bindparam("s_fy")
)


def _series(
    conn: Connection, kind: str, fy: str, number: str, memo: dict[tuple[str, str], Any]
) -> dict[str, JsonValue] | None:
    """Which series a number came from, so the receiver re-issues exactly that number."""
    if (kind, fy) not in memo:
        memo[(kind, fy)] = conn.execute(_SERIES_OF, {"s_kind": kind, "s_fy": fy}).all()
    for row in memo[(kind, fy)]:
        head = f"{row.prefix}-{row.device}" if row.device else row.prefix
        if number.startswith(head + "/"):
            serial = int(number.rsplit("/", 1)[1])
            return {"device": row.device, "prefix": row.prefix, "serial": serial}
    return None


_WALK_IN = (
    "cp_name",
    "cp_gstin",
    "cp_state",
    "cp_address",
    "cp_pin",
    "cp_ship_address",
    "cp_ship_state",
    "cp_ship_pin",
    "cp_phone",
)


# Built once: a sweep runs before every commit, at the counter too.
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
# Only the columns a body carries: every money column read is a Decimal made for nothing.
_DOCUMENT_COLUMNS = (
    "id kind doc_date fy number number_scope our_reference party_id place_of_supply "
    "reverse_charge export_with_payment port_code shipping_bill shipping_bill_date to_sez "
    "original_id original_number original_date reason itc_eligible notes grand_total created_by"
).split()
_LINE_COLUMNS = (
    "document_id line_no description qty unit_price gst_rate item_id hsn uqc discount_pct "
    "cess_rate price_includes_tax taxability"
).split()
_DOCUMENTS = select(*(documents.c[name] for name in [*_DOCUMENT_COLUMNS, *_WALK_IN])).where(
    documents.c.id.in_(_IDS)
)
_DOCUMENT_LINES = (
    select(
        *(document_lines.c[name] for name in _LINE_COLUMNS),
        godowns.c.name.label("godown_name"),
        batches.c.batch_no,
    )
    .outerjoin(godowns, godowns.c.id == document_lines.c.godown_id)
    .outerjoin(batches, batches.c.id == document_lines.c.batch_id)
    .where(document_lines.c.document_id.in_(_IDS))
    .order_by(document_lines.c.document_id, document_lines.c.line_no)
)
_TENDERS = (
    select(settlements.c.document_id, settlements.c.mode, settlements.c.amount)
    .add_columns(settlements.c.reference)
    .where(settlements.c.document_id.in_(_IDS))
    .order_by(settlements.c.id)
)
_MOVED = (
    select(stock_moves.c.source_kind, stock_moves.c.source_id)
    .where(
        stock_moves.c.source_kind.in_(bindparam("kinds", expanding=True)),
        stock_moves.c.source_id.in_(bindparam("refs", expanding=True)),
    )
    .distinct()
)


def document_ops(conn: Connection, doc_ids: list[int], device: str) -> dict[int, DocOp]:
    """Posted documents as they travel: what each draft was, plus the figures to check. One
    read per table for each few hundred: a bulk import sweeps thousands at once."""
    found: dict[int, DocOp] = {}
    for start in range(0, len(doc_ids), 400):  # bound parameters stay under SQLite's limit
        found |= _document_ops(conn, doc_ids[start : start + 400], device)
    return found


def _document_ops(conn: Connection, doc_ids: list[int], device: str) -> dict[int, DocOp]:
    ids = {"ids": doc_ids}
    docs = {d["id"]: d for d in conn.execute(_DOCUMENTS, ids).mappings()}
    lines: dict[int, list[Any]] = {i: [] for i in doc_ids}
    for line in conn.execute(_DOCUMENT_LINES, ids):
        lines[line.document_id].append(line)
    tenders: dict[int, list[JsonValue]] = {i: [] for i in doc_ids}
    for t in conn.execute(_TENDERS, ids):
        tenders[t.document_id].append(
            {"mode": t.mode, "amount": to_json(t.amount), "reference": t.reference}
        )
    kinds = sorted({d["kind"] for d in docs.values()})
    refs = [str(i) for i in doc_ids]
    moved = {tuple(r) for r in conn.execute(_MOVED, {"kinds": kinds, "refs": refs})}
    gid = gids_for(
        conn,
        {
            "items": [ln.item_id for rows in lines.values() for ln in rows if ln.item_id],
            "parties": [d["party_id"] for d in docs.values() if d["party_id"]],
            "documents": [d["original_id"] for d in docs.values() if d["original_id"]] + doc_ids,
        },
        device,
    )
    series_memo: dict[tuple[str, str], Any] = {}
    return {
        i: DocOp(
            "documents",
            gid[("documents", i)],
            _document_body(
                docs[i],
                [_line_body(ln, gid) for ln in lines[i]],
                tenders[i],
                (docs[i]["kind"], str(i)) in moved,
                gid,
                partial(_series, conn, memo=series_memo),
            ),
        )
        for i in doc_ids
    }


def _line_body(line: Any, gid: dict[tuple[str, int], str]) -> dict[str, JsonValue]:
    return {
        "description": line.description,
        "qty": to_json(line.qty),
        "unit_price": to_json(line.unit_price),
        "gst_rate": to_json(line.gst_rate),
        "item": gid[("items", line.item_id)] if line.item_id else None,
        "hsn": line.hsn,
        "uqc": line.uqc,
        "discount_pct": to_json(line.discount_pct),
        "cess_rate": to_json(line.cess_rate),
        "price_includes_tax": line.price_includes_tax,
        "taxability": line.taxability,
        "godown": line.godown_name,
        "batch": line.batch_no,  # by number: with the line's item, the batch shop-wide
    }


def _document_body(
    doc: Any,
    lines: list[dict[str, JsonValue]],
    tenders: list[JsonValue],
    moved: bool,
    gid: dict[tuple[str, int], str],
    series: Callable[[str, str, str], dict[str, JsonValue] | None],
) -> dict[str, JsonValue]:
    series_of = doc["number"] if doc["number_scope"] == "out" else doc["our_reference"]
    party = gid[("parties", doc["party_id"])] if doc["party_id"] else None
    walk_in = None if party else {k: to_json(doc[k]) for k in _WALK_IN}
    export = None
    if doc["export_with_payment"] is not None:
        export = {
            "with_payment": doc["export_with_payment"],
            "port_code": doc["port_code"],
            "shipping_bill": doc["shipping_bill"],
            "shipping_bill_date": to_json(doc["shipping_bill_date"]),
        }
    return {
        "kind": doc["kind"],
        "doc_date": to_json(doc["doc_date"]),
        "fy": doc["fy"],
        "number": doc["number"],
        "our_reference": doc["our_reference"],
        "series": series(doc["kind"], doc["fy"], series_of) if series_of else None,
        "party": party,
        "walk_in": walk_in,
        "place_of_supply": doc["place_of_supply"],
        "reverse_charge": doc["reverse_charge"],
        "export": export,
        "to_sez": doc["to_sez"],
        "original": gid[("documents", doc["original_id"])] if doc["original_id"] else None,
        "original_number": doc["original_number"],
        "original_date": to_json(doc["original_date"]),
        "reason": doc["reason"],
        "itc_eligible": doc["itc_eligible"],
        "moves_stock": moved or not any(line["item"] for line in lines),
        "notes": doc["notes"],
        "lines": lines,
        "tenders": tenders,
        "grand_total": to_json(doc["grand_total"]),
        "created_by": doc["created_by"],
    }


def _cancellation(conn: Connection, doc_id: int, device: str, reason: str) -> DocOp | None:
    row = conn.execute(
        select(documents.c.cancel_voucher_id, documents.c.status).where(documents.c.id == doc_id)
    ).first()
    if row is None or row.status != "cancelled":
        return None
    on = None
    if row.cancel_voucher_id is not None:
        on = conn.execute(
            select(vouchers.c.posting_date).where(vouchers.c.id == row.cancel_voucher_id)
        ).scalar()
    gid = gid_for(conn, "documents", doc_id, device)
    return DocOp("cancellations", gid, {"on": to_json(on), "reason": reason})


_IRN_OF = select(
    documents.c.number,
    documents.c.irn,
    documents.c.ack_no,
    documents.c.ack_date,
    documents.c.signed_qr,
)


def _irn(conn: Connection, doc_id: int, device: str, stamp: Timestamp) -> DocOp | None:
    """A document's IRN as it travels, under the document's shop-wide id (its number too,
    so that a device still waiting for the document can say which). Its stamp is kept: two
    devices that recorded different IRNs offline keep the earlier on both (``irn_stamp``)."""
    row = conn.execute(_IRN_OF.where(documents.c.id == doc_id)).first()
    if row is None or row.irn is None:
        return None
    gid = gid_for(conn, "documents", doc_id, device)
    keep_irn_stamp(conn, gid, row.irn, stamp)
    body: dict[str, JsonValue] = {
        "number": row.number,
        "irn": row.irn,
        "ack_no": row.ack_no,
        "ack_date": to_json(row.ack_date),
        "signed_qr": row.signed_qr,
    }
    return DocOp(IRNS, gid, body)


def irn_stamp(conn: Connection, gid: str) -> Timestamp | None:
    """When the IRN this device holds for a document was recorded (the stamp of the change
    that carried it); None for one that never travelled."""
    found = conn.execute(
        select(sync_fields.c.hlc).where(
            sync_fields.c.tbl == IRNS, sync_fields.c.gid == gid, sync_fields.c.field == "irn"
        )
    ).scalar()
    return None if found is None else Timestamp.parse(found)


def keep_irn_stamp(conn: Connection, gid: str, irn: str, stamp: Timestamp) -> None:
    text = canonical_json({"v": irn})
    stmt = insert(sync_fields).values(tbl=IRNS, gid=gid, field="irn", hlc=stamp.text(), value=text)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[sync_fields.c.tbl, sync_fields.c.gid, sync_fields.c.field],
            set_={"hlc": stamp.text(), "value": text},
        )
    )


def irn_label(conn: Connection, gid: str) -> str:
    """An IRN conflict's record in words: the document's number."""
    doc_id = local_id(conn, "documents", gid)
    number = conn.execute(select(documents.c.number).where(documents.c.id == doc_id)).scalar()
    return f"IRN of {number or gid}"


def settlement_body(conn: Connection, settlement_id: int, device: str) -> dict[str, JsonValue]:
    """A receipt or payment as it travels: who, when, how much, and what it settles."""
    row = (
        conn.execute(select(settlements).where(settlements.c.id == settlement_id)).mappings().one()
    )
    against: list[JsonValue] = [
        {"document": gid_for(conn, "documents", a.document_id, device), "amount": to_json(a.amount)}
        for a in conn.execute(
            select(allocations.c.document_id, allocations.c.amount)
            .where(allocations.c.settlement_id == settlement_id)
            .order_by(allocations.c.document_id)
        )
    ]
    return {
        "kind": row["kind"],
        "on": to_json(row["settle_date"]),
        "party": gid_for(conn, "parties", row["party_id"], device),
        "mode": row["mode"],
        "amount": to_json(row["amount"]),
        "reference": row["reference"],
        "allocations": against,
    }


_VOUCHER_SOURCES = select(vouchers.c.id, vouchers.c.source, vouchers.c.reverses_id).where(
    vouchers.c.id.in_(bindparam("ids", expanding=True))
)


_JOURNAL = select(
    stock_journals.c.kind, stock_journals.c.journal_date, stock_journals.c.narration
).where(stock_journals.c.id == bindparam("id"))
_JOURNAL_MOVES = (
    select(stock_moves.c.id, stock_moves.c.item_id, stock_moves.c.qty, stock_moves.c.value)
    .add_columns(godowns.c.name.label("godown"), batches.c.batch_no)
    .join(godowns, godowns.c.id == stock_moves.c.godown_id)
    .outerjoin(batches, batches.c.id == stock_moves.c.batch_id)
    .where(
        stock_moves.c.source_kind == STOCK_JOURNAL,
        stock_moves.c.source_id == bindparam("source"),
        stock_moves.c.id.between(bindparam("first"), bindparam("last")),
    )
    .order_by(stock_moves.c.id)
)
_SERIALS_OF = select(stock_move_serials.c.move_id, stock_move_serials.c.serial).where(
    stock_move_serials.c.move_id.between(bindparam("first"), bindparam("last"))
)


def stock_entry_body(
    conn: Connection, journal_id: int, first: int, last: int, device: str
) -> dict[str, JsonValue]:
    """A transfer, adjustment or count as it travels: its moves as posted (``first`` to
    ``last``, so a reversal posted later under the same journal is left out), each item by
    its shop-wide id and each godown by name. A count's moves are the differences it found."""
    journal = conn.execute(_JOURNAL, {"id": journal_id}).one()
    span = {"first": first, "last": last}
    moves = conn.execute(_JOURNAL_MOVES, span | {"source": str(journal_id)}).all()
    serials: dict[int, list[str]] = {}
    for move_id, serial in conn.execute(_SERIALS_OF, span):
        serials.setdefault(move_id, []).append(serial)
    gid = gids_for(conn, {"items": [m.item_id for m in moves]}, device)
    lines: list[JsonValue] = [
        {
            "item": gid[("items", m.item_id)],
            "godown": m.godown,
            "qty": to_json(m.qty),
            "value": to_json(m.value),
            "batch": m.batch_no,
            "serials": list[JsonValue](sorted(serials.get(m.id, []))),
        }
        for m in moves
    ]
    return {
        "kind": journal.kind,
        "on": to_json(journal.journal_date),
        "narration": journal.narration,
        "moves": lines,
    }


def _hand_entered(conn: Connection, voucher_ids: list[int]) -> set[int]:
    """Of these vouchers, those typed by a user (ledger source ""), not one a document, a
    receipt or an opening balance made: those travel inside their own document and are
    re-made there."""
    typed: set[int] = set()
    reversals: dict[int, int] = {}  # a reversal of a typed voucher was typed too
    for start in range(0, len(voucher_ids), 900):  # SQLite's limit on bound parameters
        chunk = voucher_ids[start : start + 900]
        for row in conn.execute(_VOUCHER_SOURCES, {"ids": chunk}):
            if row.source != "":
                continue
            if row.reverses_id is None:
                typed.add(row.id)
            else:
                # A cancellation's reversal also has no source; it reverses a document's.
                reversals[row.id] = int(row.reverses_id)
    if reversals:
        reversed_typed = _hand_entered(conn, sorted(set(reversals.values())))
        typed |= {v for v, original in reversals.items() if original in reversed_typed}
    return typed


def voucher_body(conn: Connection, voucher_id: int, device: str) -> dict[str, JsonValue]:
    """A hand-entered voucher as it travels. An account is named by its role (``system``),
    its party's shop-wide id, or its name: local account ids differ between devices."""
    v = conn.execute(select(vouchers).where(vouchers.c.id == voucher_id)).mappings().one()
    party_of = {
        r.account_id: r.id for r in conn.execute(select(parties.c.id, parties.c.account_id))
    }
    lines: list[JsonValue] = []
    for line in conn.execute(
        select(
            postings.c.account_id,
            postings.c.amount,
            accounts.c.name,
            accounts.c.system_key,
            account_groups.c.name.label("group_name"),
        )
        .join(accounts, accounts.c.id == postings.c.account_id)
        .join(account_groups, account_groups.c.id == accounts.c.group_id)
        .where(postings.c.voucher_id == voucher_id)
        .order_by(postings.c.line_no)
    ):
        party = party_of.get(line.account_id)
        body: dict[str, JsonValue] = {
            "system": line.system_key,
            "party": gid_for(conn, "parties", party, device) if party else None,
            "account": line.name,
            "amount": to_json(line.amount),
        }
        if line.system_key:  # a role account made on first use is made alike on the receiver
            body["group"] = line.group_name
        lines.append(body)
    reverses = v["reverses_id"]
    return {
        "type": v["voucher_type"],
        "on": to_json(v["posting_date"]),
        "narration": v["narration"],
        "reference": v["reference"],
        "reverses": gid_for(conn, "vouchers", reverses, device) if reverses else None,
        "lines": lines,
    }


# ---------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class _Touched:
    # (doc table, local id, note), in the order they were written, so a receipt travels
    # after the invoice it settles. The note is a cancellation's reason, a stock entry's
    # first and last move ids ("12-15") or the date a stock entry was reversed on.
    posted: tuple[tuple[str, int, str], ...]
    master: tuple[tuple[str, int], ...]
    party_openings: tuple[int, ...]  # parties whose opening balance may have changed
    stock_journals: tuple[str, ...]  # opening stock journals posted (or reversed)
    settings: tuple[str, ...]  # shared settings changed (their keys)
    through: int

    @property
    def openings(self) -> bool:
        return bool(self.party_openings or self.stock_journals)


_AUDIT_AFTER = (
    select(audit_log.c.id, audit_log.c.action, audit_log.c.entity_id, audit_log.c.details)
    .where(audit_log.c.id > bindparam("after"))
    .order_by(audit_log.c.id)
)


def _stock_journal(row: Any) -> tuple[str, int, str] | None:
    """What an inventory journal's stock posting travels as: ("openings", journal, "") for
    opening stock (posted or reversed: the whole opening travels as a value), a stock entry
    with its moves' id range, or a reversal with its date. None for a document's stock,
    which is left alone unread (its document re-makes it)."""
    if row.action != "stock.post" or not str(row.entity_id).startswith(STOCK_JOURNAL + "/"):
        return None
    details = json.loads(row.details)
    journal = int(str(row.entity_id).split("/", 1)[1])
    if details.get("kind") == MoveKind.OPENING.value:
        return (OPENINGS, journal, "")
    if details.get("reversal"):
        return (STOCK_REVERSALS, journal, str(details["date"]))
    first, last = details["moves"]
    return (STOCK_ENTRIES, journal, f"{first}-{last}")


_BY_HAND = select(accounts.c.id).where(
    accounts.c.id.in_(bindparam("ids", expanding=True)),
    accounts.c.system_key.is_(None),
    accounts.c.id.not_in(select(parties.c.account_id)),
)


def _made_by_hand(conn: Connection, account_ids: list[int]) -> set[int]:
    """Of these accounts, those a user made: not a party's own (it travels with the party),
    not one playing a role, which billing and the ledger make alike on every device when
    first needed (the first sale makes a few; it stays a sale-only change)."""
    found: set[int] = set()
    for start in range(0, len(account_ids), 900):  # SQLite's limit on bound parameters
        found.update(conn.execute(_BY_HAND, {"ids": account_ids[start : start + 900]}).scalars())
    return found


def _master_table(action: str) -> str | None:
    """The master table an audited action of items, godowns or batches changes."""
    if action in _ITEM_ACTIONS:
        return "items"
    if action in _BATCH_ACTIONS:
        return BATCHES
    return "godowns" if action.startswith("godown.") else None


def _touched(conn: Connection, after: int, settings_from: int = 0) -> _Touched:
    """What the audit rows after ``after`` changed. A setting changed before ``settings_from``
    (on a device that joined a shop: it takes the shop's settings) is not sent."""
    rows = conn.execute(_AUDIT_AFTER, {"after": after}).all()
    vouchers_posted = [int(r.entity_id) for r in rows if r.action == "voucher.post"]
    typed = _hand_entered(conn, vouchers_posted) if vouchers_posted else set()
    accounts_named = [int(r.entity_id) for r in rows if r.action in _ACCOUNT_ACTIONS]
    by_hand = _made_by_hand(conn, accounts_named) if accounts_named else set()
    posted: list[tuple[str, int, str]] = []
    master: dict[tuple[str, int], None] = {}
    party_openings: dict[int, None] = {}
    stock_journals: dict[str, None] = {}
    settings: dict[str, None] = {}
    for row in rows:
        if (table := _POSTED.get(row.action)) is not None:
            posted.append((table, int(row.entity_id), ""))
        elif row.action == "document.cancel":
            reason = str(json.loads(row.details).get("reason", ""))
            posted.append(("cancellations", int(row.entity_id), reason))
        elif row.action == "voucher.post" and int(row.entity_id) in typed:
            posted.append(("vouchers", int(row.entity_id), ""))
        elif row.action in _PARTY_ACTIONS or row.action == _PARTY_OPENING:
            master[("parties", int(row.entity_id))] = None
            party_openings[int(row.entity_id)] = None  # a new party may bring one
        elif (table := _master_table(row.action)) is not None:
            master[(table, int(row.entity_id))] = None
        elif row.action in _ACCOUNT_ACTIONS and int(row.entity_id) in by_hand:
            master[("accounts", int(row.entity_id))] = None
        elif (journal := _stock_journal(row)) is not None:
            if journal[0] == OPENINGS:
                stock_journals[str(journal[1])] = None
            else:
                posted.append(journal)
        elif row.action == _SETTING and row.id > settings_from and is_shared(row.entity_id):
            settings[str(row.entity_id)] = None
    return _Touched(
        tuple(posted),
        tuple(master),
        tuple(party_openings),
        tuple(stock_journals),
        tuple(settings),
        rows[-1].id if rows else after,
    )


def _posted_op(
    conn: Connection,
    table: str,
    row_id: int,
    reason: str,
    device: str,
    documents: dict[int, DocOp],
    stamp: Timestamp,
) -> Op | None:
    if table == "cancellations":
        return _cancellation(conn, row_id, device, reason)
    if table == IRNS:
        return _irn(conn, row_id, device, stamp)
    if table == STOCK_ENTRIES:
        first, last = (int(n) for n in reason.split("-"))
        body = stock_entry_body(conn, row_id, first, last, device)
        return DocOp(table, gid_for(conn, STOCK_ENTRIES, row_id, device), body)
    if table == STOCK_REVERSALS:
        return DocOp(table, gid_for(conn, STOCK_ENTRIES, row_id, device), {"on": reason})
    if table == "documents":
        return documents[row_id]
    body = {"settlements": settlement_body, "vouchers": voucher_body}[table](conn, row_id, device)
    return DocOp(table, gid_for(conn, table, row_id, device), body)


def _outbox_row(seq: int, ops: list[Op], stamp: Timestamp) -> dict[str, Any]:
    change = Change(new_tx_id(), stamp, SCHEMA.version, tuple(ops))
    kinds = {"doc" if isinstance(op, DocOp) else "set" for op in ops}
    return {
        "device_seq": seq,
        "tx_id": change.tx_id,
        "hlc": stamp.text(),
        "kind": kinds.pop() if len(kinds) == 1 else "mixed",
        "key": f"{ops[0].table}/{ops[0].id}"[:120],
        "payload": encode_change(change, SCHEMA),
        "envelope": None,
        "created_at": _now(),
    }


def sweep(conn: Connection) -> int:
    """Write outbox rows for every audited change since the last sweep; returns how many.
    Runs inside the caller's write transaction.

    A row of posted documents only (a sale at the counter, a bulk import) keeps just their
    ids, stamp and transaction id here; ``complete_outbox`` builds their bodies at the
    first push. A posted document never changes, so the body is the same then, and the
    sale does not wait for a dozen reads and a JSON encoding it does not need."""
    state = read_states(conn, _SWEEP_KEYS)
    device = state.get("device_id")
    if device is None:
        return 0
    after = int(state.get("audit_through") or 0)
    touched = _touched(conn, after, int(state.get("settings_from") or 0))
    if touched.through == after:
        return 0
    clock = _clock(device, state)
    seq = int(state.get("next_device_seq") or 1)
    if (
        not touched.master
        and not touched.openings
        and not touched.settings
        and all(table == "documents" for table, _, _ in touched.posted)
    ):
        ids = [row_id for _, row_id, _ in touched.posted]
        rows = [
            _later_row(seq + n, part, clock.now()) for n, part in enumerate(_later_parts(conn, ids))
        ]
    else:
        rows = _outbox_rows(conn, touched, device, clock, seq)
    if rows:
        conn.execute(sync_outbox.insert(), rows)
    write_states(
        conn,
        _clock_state(clock)
        | {"next_device_seq": str(seq + len(rows)), "audit_through": str(touched.through)},
    )
    return len(rows)


class _Rows:
    """One transaction's outbox rows, filled record by record. A row is closed before the
    next record's ops are made once it holds ``MAX_OPS`` ops or ``MAX_CHANGE_BYTES`` of JSON
    (the first sync of a company with thousands of items is one transaction), so every op
    carries its own row's stamp, which master data keeps as the base of its next write."""

    def __init__(self, clock: HybridClock, seq: int) -> None:
        self.clock, self.seq = clock, seq
        self.rows: list[dict[str, Any]] = []
        self.ops: list[Op] = []
        self.size = 0
        self.stamp = clock.now()

    def next_stamp(self) -> Timestamp:
        """The stamp the next record's ops take: a new row's when this one is full."""
        if len(self.ops) >= MAX_OPS or self.size >= MAX_CHANGE_BYTES:
            self.close()
        return self.stamp

    def add(self, ops: list[Op]) -> None:
        self.ops.extend(ops)
        self.size += sum(_op_size(op) for op in ops)

    def close(self) -> None:
        if self.ops:
            self.rows.append(_outbox_row(self.seq + len(self.rows), self.ops, self.stamp))
            self.ops, self.size, self.stamp = [], 0, self.clock.now()


def _op_size(op: Op) -> int:
    """About how many bytes of a change's JSON an op takes (its value, and ~150 for the rest)."""
    value = op.body if isinstance(op, DocOp) else op.value
    return 150 + (len(value) if isinstance(value, str) else len(canonical_json(value)))


def _outbox_rows(
    conn: Connection, touched: _Touched, device: str, clock: HybridClock, seq: int
) -> list[dict[str, Any]]:
    out = _Rows(clock, seq)
    for key in touched.settings:
        value = read_setting(conn, key)
        if value is not None and len(value) <= MAX_SHARED_CHARS:
            out.add(_set_ops(conn, SETTINGS, key, {"value": value}, out.next_stamp()))
    # Master data first: a party made at the counter travels before the bill that names it.
    for name, row_id in touched.master:
        out.add(_master_ops(conn, name, row_id, device, out.next_stamp()))
    _opening_ops(conn, touched, device, out)
    doc_ids = [row_id for table, row_id, _ in touched.posted if table == "documents"]
    entries = [row_id for table, row_id, _ in touched.posted if table == STOCK_ENTRIES]
    if doc_ids or entries:
        for batch_id in sorted(named_batches(conn, doc_ids, entries)):
            out.add(_batch_ops(conn, batch_id, device, out.next_stamp(), with_item=False))
    documents = document_ops(conn, doc_ids, device) if doc_ids else {}
    for table, row_id, reason in touched.posted:
        op = _posted_op(conn, table, row_id, reason, device, documents, out.next_stamp())
        if op is not None:
            out.add([op])
    out.close()
    return out.rows


LATER = "later"  # an outbox row's kind while its documents' bodies are still to be built
MAX_LATER_LINES = 1_000  # document lines a row of documents carries (a line is ~150 bytes)

_LINE_COUNTS = (
    select(document_lines.c.document_id, func.count())
    .where(document_lines.c.document_id.in_(bindparam("ids", expanding=True)))
    .group_by(document_lines.c.document_id)
)


def _later_parts(conn: Connection, doc_ids: list[int]) -> list[list[int]]:
    """A transaction's documents cut into rows whose bodies will fit an envelope: at most
    ``MAX_OPS`` documents and ``MAX_LATER_LINES`` lines a row (a document bigger than that
    alone). A single sale, the counter's case, is one row without a read."""
    if len(doc_ids) == 1:
        return [doc_ids]
    lines: dict[int, int] = {}
    for start in range(0, len(doc_ids), 900):  # SQLite's limit on bound parameters
        lines.update(conn.execute(_LINE_COUNTS, {"ids": doc_ids[start : start + 900]}).all())
    parts: list[list[int]] = []
    part: list[int] = []
    count = 0
    for doc_id in doc_ids:
        size = lines.get(doc_id, 0)
        if part and (len(part) >= MAX_OPS or count + size > MAX_LATER_LINES):
            parts.append(part)
            part, count = [], 0
        part.append(doc_id)
        count += size
    return [*parts, part] if part else parts


def _later_row(seq: int, doc_ids: list[int], stamp: Timestamp) -> dict[str, Any]:
    return {
        "device_seq": seq,
        "tx_id": new_tx_id(),
        "hlc": stamp.text(),
        "kind": LATER,
        "key": f"documents/{doc_ids[0]}",
        "payload": json.dumps({"documents": doc_ids}).encode(),
        "envelope": None,
        "created_at": _now(),
    }


_LATER_ROWS = (
    select(sync_outbox.c.device_seq, sync_outbox.c.tx_id, sync_outbox.c.hlc)
    .add_columns(sync_outbox.c.payload)
    .where(sync_outbox.c.kind == LATER, sync_outbox.c.device_seq > bindparam("after"))
    .order_by(sync_outbox.c.device_seq)
    .limit(bindparam("limit"))
)


_COMPLETE_ROW = (
    sync_outbox.update()
    .where(sync_outbox.c.device_seq == bindparam("seq"))
    .values(kind=bindparam("o_kind"), key=bindparam("o_key"), payload=bindparam("o_payload"))
)


def complete_outbox(conn: Connection, after_seq: int = 0, limit: int = 1_000_000) -> int:
    """Build the bodies of the (first ``limit``) outbox rows after ``after_seq`` that
    ``sweep`` left for later, under the transaction ids and stamps they were given at
    commit; returns how many. Runs in a write transaction: it mints shop-wide ids."""
    later = conn.execute(_LATER_ROWS, {"after": after_seq, "limit": limit}).all()
    if not later:
        return 0
    device = device_id(conn)
    if device is None:
        raise RuntimeError("the outbox has rows but the company has no device id")
    wanted = {r.device_seq: json.loads(r.payload)["documents"] for r in later}
    doc_ids = [i for ids in wanted.values() for i in ids]
    documents = document_ops(conn, doc_ids, device)
    batches_of: dict[int, set[int]] = {}
    for start in range(0, len(doc_ids), 900):  # SQLite's limit on bound parameters
        for doc_id, batch_id in conn.execute(
            _DOCUMENT_BATCHES, {"ids": doc_ids[start : start + 900]}
        ):
            batches_of.setdefault(doc_id, set()).add(batch_id)
    checked: set[int] = set()  # each batch once: after its first row it has been synced
    built: list[dict[str, Any]] = []
    for r in later:
        stamp = Timestamp.parse(r.hlc)
        ids = wanted[r.device_seq]
        # A batch made before batches synced travels with the first sale from it.
        named = {b for i in ids for b in batches_of.get(i, ())} - checked
        checked |= named
        ops = [*named_batch_ops(conn, named, device, stamp), *(documents[i] for i in ids)]
        change = Change(r.tx_id, stamp, SCHEMA.version, tuple(ops))
        built.append(
            {
                "seq": r.device_seq,
                "o_kind": "doc" if isinstance(ops[0], DocOp) else "mixed",
                "o_key": f"{ops[0].table}/{ops[0].id}"[:120],
                "o_payload": encode_change(change, SCHEMA),
            }
        )
    conn.execute(_COMPLETE_ROW, built)  # one statement for the lot
    return len(later)


def skip_applied(conn: Connection) -> None:
    """After applying received changes: their audit rows are not this device's changes."""
    last = conn.execute(select(func.max(audit_log.c.id))).scalar() or 0
    write_state(conn, "audit_through", str(last))


def before_commit(uow: UnitOfWork) -> None:
    """The UnitOfWork hook: capture this transaction's changes into the outbox."""
    conn = uow.conn
    if uow.memo(APPLYING, lambda: False):
        skip_applied(conn)
        return
    sweep(conn)


def opening_label(conn: Connection, key: str) -> str:
    """An opening's key in words, for the conflict list."""
    parts = opening_key(key)
    if parts[0] == "party":
        party = local_id(conn, "parties", parts[1])
        name = conn.execute(select(parties.c.name).where(parties.c.id == party)).scalar()
        return f"Opening balance of {name or parts[1]}"
    item = local_id(conn, "items", parts[1])
    name = conn.execute(select(items.c.name).where(items.c.id == item)).scalar()
    godown = next(
        (n for n in conn.execute(select(godowns.c.name)).scalars() if n.casefold() == parts[2]),
        parts[2],
    )
    batch = f" batch {parts[4]}" if len(parts) > 4 else ""
    return f"Opening stock of {name or parts[1]}{batch} in {godown} on {parts[3]}"


def batch_label(conn: Connection, key: str) -> str:
    """A batch's key in words, for the conflict list."""
    item_gid, batch_no = batch_key_parts(key)
    item = local_id(conn, "items", item_gid)
    name = conn.execute(select(items.c.name).where(items.c.id == item)).scalar()
    return f"Batch {batch_no} of {name or item_gid}"
