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
* ``parties`` and ``items``: master data, one ``set`` op per changed field (per-field LWW).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Integer, Table, func, select
from sqlalchemy.dialects.sqlite import insert

from app.billing.tables import (
    allocations,
    document_lines,
    documents,
    number_series,
    parties,
    settlements,
)
from app.inventory.tables import godowns, items, stock_moves
from app.ledger.tables import accounts, postings, vouchers
from app.storage.audit import canonical_json
from app.storage.tables import audit_log
from app.storage.types import Paise, Percent, Quantity
from app.storage.uow import UnitOfWork
from app.syncing.tables import sync_fields, sync_ids, sync_outbox, sync_state
from sync.client import new_tx_id
from sync.clock import HybridClock, Timestamp
from sync.merge import Change, DocOp, JsonValue, Op, SetOp, SyncSchema, encode_change

SCHEMA = SyncSchema(
    version=2,  # 2: settlements and hand-entered vouchers
    documents=frozenset({"documents", "cancellations", "settlements", "vouchers"}),
    master=frozenset({"parties", "items"}),
)
MASTER: dict[str, Table] = {"parties": parties, "items": items}
# Columns that are local bookkeeping, not the shared record.
_LOCAL_COLUMNS = {"id", "account_id", "created_at", "updated_at"}
APPLYING = "sync.applying"  # a uow memo: this unit applies received changes; capture skips
MAX_OPS = 400  # ops per change, so an envelope stays far below the service's size limit

_PARTY_ACTIONS = {"party.add", "party.update"}
_ITEM_ACTIONS = {"item.add", "item.update", "item.activate", "item.deactivate"}


# ---------------------------------------------------------------- small state


def read_state(conn: Connection, key: str) -> str | None:
    return conn.execute(select(sync_state.c.v).where(sync_state.c.k == key)).scalar()


def write_state(conn: Connection, key: str, value: str) -> None:
    stmt = insert(sync_state).values(k=key, v=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[sync_state.c.k], set_={"v": value}))


def read_int_state(conn: Connection, key: str) -> int:
    value = read_state(conn, key)
    return int(value) if value else 0


def device_id(conn: Connection) -> str | None:
    """This company's device id; None until sync is set up (then nothing is captured)."""
    return read_state(conn, "device_id")


def load_clock(conn: Connection, node: str) -> HybridClock:
    last = read_state(conn, "hlc")
    offset = read_int_state(conn, "clock_offset")
    return HybridClock(node, last=Timestamp.parse(last) if last else None, offset_ms=offset)


def save_clock(conn: Connection, clock: HybridClock) -> None:
    write_state(conn, "hlc", clock.last.text())
    write_state(conn, "clock_offset", str(clock.offset_ms))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- ids and values


def gid_for(conn: Connection, table: str, local_id: int, device: str) -> str:
    """The shop-wide id of a local row; minted from the device id the first time it travels."""
    found = conn.execute(
        select(sync_ids.c.gid).where(sync_ids.c.tbl == table, sync_ids.c.local_id == local_id)
    ).scalar()
    if found is not None:
        return str(found)
    gid = f"{device}:{local_id}"
    conn.execute(sync_ids.insert().values(tbl=table, gid=gid, local_id=local_id))
    return gid


def local_id(conn: Connection, table: str, gid: str) -> int | None:
    found = conn.execute(
        select(sync_ids.c.local_id).where(sync_ids.c.tbl == table, sync_ids.c.gid == gid)
    ).scalar()
    return None if found is None else int(found)


def to_json(value: object) -> JsonValue:
    """A column value as it travels: Decimals and dates as text, never floats."""
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
    return [c.name for c in table.columns if c.name not in _LOCAL_COLUMNS]


# ---------------------------------------------------------------- building ops


def _master_ops(
    conn: Connection, name: str, row_id: int, device: str, stamp: Timestamp
) -> list[Op]:
    """A ``set`` op for each field that differs from the last synced value."""
    table = MASTER[name]
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        return []
    gid = gid_for(conn, name, row_id, device)
    known = {
        r.field: (r.hlc, r.value)
        for r in conn.execute(
            select(sync_fields.c.field, sync_fields.c.hlc, sync_fields.c.value).where(
                sync_fields.c.tbl == name, sync_fields.c.gid == gid
            )
        )
    }
    ops: list[Op] = []
    for field in master_fields(table):
        value = to_json(row[field])
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


def _series(conn: Connection, kind: str, fy: str, number: str) -> dict[str, JsonValue] | None:
    """Which series a number came from, so the receiver re-issues exactly that number."""
    for row in conn.execute(
        select(number_series.c.device, number_series.c.prefix).where(
            number_series.c.kind == kind, number_series.c.fy == fy
        )
    ):
        head = f"{row.prefix}-{row.device}" if row.device else row.prefix
        if number.startswith(head + "/"):
            serial = int(number.rsplit("/", 1)[1])
            return {"device": row.device, "prefix": row.prefix, "serial": serial}
    return None


def document_body(conn: Connection, doc_id: int, device: str) -> dict[str, JsonValue]:
    """A posted document as it travels: what its draft was, plus the figures to check."""
    doc = conn.execute(select(documents).where(documents.c.id == doc_id)).mappings().one()
    outward = doc["number_scope"] == "out"
    series_of = doc["number"] if outward else doc["our_reference"]
    party = gid_for(conn, "parties", doc["party_id"], device) if doc["party_id"] else None
    original = (
        gid_for(conn, "documents", doc["original_id"], device) if doc["original_id"] else None
    )
    godown_names = {r.id: r.name for r in conn.execute(select(godowns.c.id, godowns.c.name))}
    lines = []
    for line in conn.execute(
        select(document_lines)
        .where(document_lines.c.document_id == doc_id)
        .order_by(document_lines.c.line_no)
    ).mappings():
        lines.append(
            {
                "description": line["description"],
                "qty": to_json(line["qty"]),
                "unit_price": to_json(line["unit_price"]),
                "gst_rate": to_json(line["gst_rate"]),
                "item": gid_for(conn, "items", line["item_id"], device)
                if line["item_id"]
                else None,
                "hsn": line["hsn"],
                "uqc": line["uqc"],
                "discount_pct": to_json(line["discount_pct"]),
                "cess_rate": to_json(line["cess_rate"]),
                "price_includes_tax": line["price_includes_tax"],
                "taxability": line["taxability"],
                "godown": godown_names.get(line["godown_id"]) if line["godown_id"] else None,
                "batch": line["batch_id"],
            }
        )
    tenders = [
        {"mode": t.mode, "amount": to_json(t.amount), "reference": t.reference}
        for t in conn.execute(
            select(settlements.c.mode, settlements.c.amount, settlements.c.reference)
            .where(settlements.c.document_id == doc_id)
            .order_by(settlements.c.id)
        )
    ]
    moved = conn.execute(
        select(func.count())
        .select_from(stock_moves)
        .where(stock_moves.c.source_kind == doc["kind"], stock_moves.c.source_id == str(doc_id))
    ).scalar_one()
    walk_in = None
    if party is None:
        walk_in = {
            k: to_json(doc[k])
            for k in (
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
        }
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
        "series": _series(conn, doc["kind"], doc["fy"], series_of) if series_of else None,
        "party": party,
        "walk_in": walk_in,
        "place_of_supply": doc["place_of_supply"],
        "reverse_charge": doc["reverse_charge"],
        "export": export,
        "to_sez": doc["to_sez"],
        "original": original,
        "original_number": doc["original_number"],
        "original_date": to_json(doc["original_date"]),
        "reason": doc["reason"],
        "itc_eligible": doc["itc_eligible"],
        "moves_stock": bool(moved) or not any(line["item"] for line in lines),
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


def _hand_entered(conn: Connection, voucher_id: int) -> bool:
    """A voucher typed by a user (ledger source ""), not one a document, a receipt or an
    opening balance made: those travel inside their own document and are re-made there."""
    row = conn.execute(
        select(vouchers.c.source, vouchers.c.reverses_id).where(vouchers.c.id == voucher_id)
    ).first()
    if row is None or row.source != "":
        return False
    if row.reverses_id is None:
        # A cancellation's reversal also has no source; it reverses a document's voucher.
        return True
    return _hand_entered(conn, int(row.reverses_id))


def voucher_body(conn: Connection, voucher_id: int, device: str) -> dict[str, JsonValue]:
    """A hand-entered voucher as it travels. An account is named by its role (``system``),
    its party's shop-wide id, or its name: local account ids differ between devices."""
    v = conn.execute(select(vouchers).where(vouchers.c.id == voucher_id)).mappings().one()
    party_of = {
        r.account_id: r.id for r in conn.execute(select(parties.c.id, parties.c.account_id))
    }
    lines: list[JsonValue] = []
    for line in conn.execute(
        select(postings.c.account_id, postings.c.amount, accounts.c.name, accounts.c.system_key)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(postings.c.voucher_id == voucher_id)
        .order_by(postings.c.line_no)
    ):
        party = party_of.get(line.account_id)
        lines.append(
            {
                "system": line.system_key,
                "party": gid_for(conn, "parties", party, device) if party else None,
                "account": line.name,
                "amount": to_json(line.amount),
            }
        )
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
    # ("documents" | "settlements" | "vouchers" | "cancellations", local id, reason), in
    # the order they were written, so a receipt travels after the invoice it settles.
    posted: tuple[tuple[str, int, str], ...]
    master: tuple[tuple[str, int], ...]
    through: int


def _touched(conn: Connection, after: int) -> _Touched:
    posted: list[tuple[str, int, str]] = []
    master: dict[tuple[str, int], None] = {}
    through = after
    rows = conn.execute(
        select(audit_log.c.id, audit_log.c.action, audit_log.c.entity_id, audit_log.c.details)
        .where(audit_log.c.id > after)
        .order_by(audit_log.c.id)
    )
    for row in rows:
        through = row.id
        if row.action == "document.post":
            posted.append(("documents", int(row.entity_id), ""))
        elif row.action == "document.cancel":
            reason = str(json.loads(row.details).get("reason", ""))
            posted.append(("cancellations", int(row.entity_id), reason))
        elif row.action == "settlement.add":
            posted.append(("settlements", int(row.entity_id), ""))
        elif row.action == "voucher.post" and _hand_entered(conn, int(row.entity_id)):
            posted.append(("vouchers", int(row.entity_id), ""))
        elif row.action in _PARTY_ACTIONS:
            master[("parties", int(row.entity_id))] = None
        elif row.action in _ITEM_ACTIONS:
            master[("items", int(row.entity_id))] = None
    return _Touched(tuple(posted), tuple(master), through)


def _posted_op(conn: Connection, table: str, row_id: int, reason: str, device: str) -> Op | None:
    if table == "cancellations":
        return _cancellation(conn, row_id, device, reason)
    body = {
        "documents": document_body,
        "settlements": settlement_body,
        "vouchers": voucher_body,
    }[table](conn, row_id, device)
    return DocOp(table, gid_for(conn, table, row_id, device), body)


def _enqueue(
    conn: Connection, device: str, clock: HybridClock, ops: list[Op], stamp: Timestamp
) -> None:
    seq = read_int_state(conn, "next_device_seq") or 1
    change = Change(new_tx_id(), stamp, SCHEMA.version, tuple(ops))
    kinds = {"doc" if isinstance(op, DocOp) else "set" for op in ops}
    conn.execute(
        sync_outbox.insert().values(
            device_seq=seq,
            tx_id=change.tx_id,
            hlc=stamp.text(),
            kind=kinds.pop() if len(kinds) == 1 else "mixed",
            key=f"{ops[0].table}/{ops[0].id}"[:120],
            payload=encode_change(change, SCHEMA),
            envelope=None,
            created_at=_now(),
        )
    )
    write_state(conn, "next_device_seq", str(seq + 1))


def sweep(conn: Connection) -> int:
    """Write outbox rows for every audited change since the last sweep; returns how many.
    Runs inside the caller's write transaction."""
    device = device_id(conn)
    if device is None:
        return 0
    after = read_int_state(conn, "audit_through")
    touched = _touched(conn, after)
    if touched.through == after:
        return 0
    clock = load_clock(conn, device)
    written = 0
    ops: list[Op] = []
    stamp = clock.now()
    # Master data first: a party made at the counter travels before the bill that names it.
    for name, row_id in touched.master:
        ops.extend(_master_ops(conn, name, row_id, device, stamp))
    for table, row_id, reason in touched.posted:
        if len(ops) >= MAX_OPS:
            _enqueue(conn, device, clock, ops, stamp)
            written, ops, stamp = written + 1, [], clock.now()
        op = _posted_op(conn, table, row_id, reason, device)
        if op is not None:
            ops.append(op)
    if ops:
        _enqueue(conn, device, clock, ops, stamp)
        written += 1
    save_clock(conn, clock)
    write_state(conn, "audit_through", str(touched.through))
    return written


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
