"""``CompanyStore``: the ``sync.client.LocalStore`` over a SQLCipher company file.

A pulled page is applied in ONE transaction (a kill -9 leaves all of it or none, and the
cursor moves with it). Inside it, each change runs in a savepoint: one that cannot be applied
(a party this device never received, a locked period, a tampered body) is rolled back alone
and kept whole in ``sync_quarantine`` with its reason, never dropped; ``retry_quarantine``
applies it later. Applying follows ``sync.merge``'s three decisions:

* a document is insert-if-absent by its shop-wide id and is re-posted through
  ``billing.service.post_documents_in(numbers=...)`` with the number the sender issued
  (billing checks it belongs to the sender's series, not this device's, and is not in the
  books yet), so its voucher, stock moves and balances are recomputed here, never copied;
  a cancellation runs ``cancel_document_in``, a receipt or payment
  ``record_settlement_in``, a hand-entered voucher ``ledger.service.post_in`` (or
  ``reverse_in``), a stock transfer inventory's ``transfer_stock_in``, an adjustment or a
  count ``adjust_stock_in`` and their reversal ``reverse_stock_in``, an IRN
  ``record_irn_in`` (once per document; of two recorded offline, the earlier everywhere),
  all inside the page's unit of work;
* a master-data field is written when its stamp beats the stored one (``field_wins``); a
  concurrent loser goes to ``sync_conflicts``. A new record is made through its owner's
  service; an item (its barcodes, units and price lists too) is written through inventory's
  ``add_items_in`` or ``update_item_in``; a ledger account is renamed through the ledger (so
  is a renamed party's own); an opening balance or opening stock that wins is re-made
  through billing or inventory (``set_opening_balance_in``; ``opening_stock_in``,
  ``reverse_stock_in``), so the trial balance and the stock stay derived from vouchers and
  moves. A batch is made through inventory's ``batch_in`` and its dates changed through
  ``set_batch_dates_in``; a line or move names its batch by number (with its item), and
  one naming a batch this device has not received holds its change back until it comes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, tuple_, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import SQLAlchemyError

from app.billing import queries as billing_queries
from app.billing.model import (
    Address,
    Counterparty,
    DocKind,
    DocumentDraft,
    DocumentId,
    DraftLine,
    Export,
    Irn,
    PartyDraft,
    PartyId,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.numbering import device_code
from app.billing.parties import add_party_in, set_opening_balance_in
from app.billing.service import (
    IssuedNumber,
    cancel_document_in,
    post_documents_in,
    record_irn_in,
    record_settlement_in,
)
from app.billing.tables import parties
from app.errors import AppError
from app.gst import Taxability
from app.inventory import queries as inventory_queries
from app.inventory.model import BatchId, GodownId, ItemDraft, ItemId, UnitConversion
from app.inventory.service import (
    PostedStock,
    StockLine,
    add_godown_in,
    add_items_in,
    adjust_stock_in,
    batch_in,
    opening_stock_in,
    reverse_stock_in,
    set_batch_dates_in,
    transfer_stock_in,
    update_item_in,
)
from app.inventory.tables import (
    batches,
    godowns,
    item_barcodes,
    items,
    stock_move_serials,
    stock_moves,
)
from app.ledger import service as ledger
from app.ledger.model import AccountId, Line, Voucher, VoucherId, VoucherType
from app.ledger.tables import accounts
from app.storage.access import Actor, Role
from app.storage.audit import canonical_json
from app.storage.company import Company
from app.storage.settings import write_setting
from app.storage.uow import UnitOfWork
from app.syncing.capture import (
    APPLYING,
    BATCHES,
    IRNS,
    LATER,
    MASTER,
    OPENINGS,
    STOCK_ENTRIES,
    STOCK_JOURNAL,
    STOCK_REVERSALS,
    batch_key_parts,
    complete_outbox,
    from_json,
    gid_for,
    irn_stamp,
    keep_irn_stamp,
    local_id,
    local_ids,
    master_fields,
    opening_key,
    opening_stock,
    read_int_state,
    sweep,
    write_state,
)
from app.syncing.shared_settings import SETTINGS, received_problem
from app.syncing.tables import (
    sync_applied,
    sync_conflicts,
    sync_fields,
    sync_ids,
    sync_outbox,
    sync_quarantine,
)
from sync.client import Membership, Quarantined, Received
from sync.clock import Timestamp
from sync.crypto import seal_change
from sync.errors import SyncError
from sync.merge import Change, DocOp, JsonValue, SetOp, concurrent, doc_wins, field_wins


class ApplyFailed(AppError):
    """A received change that this company cannot apply (yet); it is quarantined."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sync_actor(company: Company) -> Actor:
    """Who applies other devices' changes: they were authorised where they were made, so a
    cashier's till still takes the laptop's purchase bills."""
    return Actor(company.actor.user_id, "sync", Role.ACCOUNTANT)


class CompanyStore:
    def __init__(self, company: Company, membership: Membership) -> None:
        self.company = company
        self.engine: Engine = company.engine
        self.m = membership
        self.device_id = membership.identity.device_id

    # ------------------------------------------------------------ outbox

    def _read(self, key: str) -> int:
        with self.company.reader() as conn:
            return read_int_state(conn, key)

    def next_device_seq(self) -> int:
        return self._read("next_device_seq") or 1

    def enqueue(self, device_seq: int, change: Change, envelope: bytes) -> None:
        raise ApplyFailed("This company's outbox is written by its own unit of work.")

    def outbox_after(self, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        """Outbox rows in order; a row is sealed (encrypted and signed) at its first push and
        the sealed bytes are kept, so every retry resends the same bytes. Rows whose bodies
        were left for later get them first. Rows already sealed are only read; otherwise one
        write transaction builds the bodies, seals what is unsealed and stores it, and
        returns the bytes as stored (another process may have sealed some meanwhile)."""
        params = {"after": after_seq, "limit": limit}
        with self.company.reader() as conn:
            rows = conn.execute(_OUTBOX_AFTER, params).all()
        if all(row.envelope is not None for row in rows):
            return [(row.device_seq, row.envelope) for row in rows]
        with self._writer() as conn:  # IMMEDIATE: what it reads now no one else changes
            if any(row.kind == LATER for row in rows):
                complete_outbox(conn, after_seq, limit)
            rows = conn.execute(_OUTBOX_AFTER, params).all()
            out: list[tuple[int, bytes]] = []
            sealed: list[dict[str, Any]] = []
            for row in rows:
                envelope = row.envelope
                if envelope is None:
                    envelope = seal_change(
                        row.payload,
                        shop_id=self.m.shop_id,
                        device=self.m.identity,
                        device_seq=row.device_seq,
                        keys=self.m.keys,
                    )
                    sealed.append({"seq": row.device_seq, "sealed": envelope})
                out.append((row.device_seq, envelope))
            if sealed:
                conn.execute(_STORE_SEALED, sealed)
            conn.commit()
        return out

    def sent_envelopes(self, device_seqs: Sequence[int]) -> dict[int, bytes]:
        seqs = list(device_seqs)
        found: dict[int, bytes] = {}
        with self.company.reader() as conn:
            for start in range(0, len(seqs), 900):  # SQLite's limit on bound parameters
                for seq, envelope in conn.execute(_SENT, {"seqs": seqs[start : start + 900]}):
                    found[int(seq)] = envelope
        return found

    def _writer(self) -> Connection:
        conn = self.engine.connect().execution_options(bahi_write=True)
        conn.begin()
        return conn

    def mark_acked(self, through_seq: int) -> None:
        with self._writer() as conn:
            if through_seq > read_int_state(conn, "acked_through"):
                write_state(conn, "acked_through", str(through_seq))
            conn.commit()

    def acked_through(self) -> int:
        return self._read("acked_through")

    def pulled_through(self) -> int:
        return self._read("pulled_through")

    def applied_among(self, keys: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
        # Our own changes come back from the server: already here.
        here = {key for key in keys if key[0] == self.device_id}
        others = [key for key in keys if key[0] != self.device_id]
        if others:
            with self.company.reader() as conn:
                here |= _applied_keys(conn, others)
        return here

    def quarantine(self) -> list[Quarantined]:
        with self.company.reader() as conn:
            return [
                Quarantined(r.server_seq, r.reason, r.message, r.envelope)
                for r in conn.execute(
                    select(sync_quarantine).order_by(sync_quarantine.c.server_seq)
                )
            ]

    # ------------------------------------------------------------ apply

    def apply_page(
        self,
        received: Sequence[Received],
        quarantined: Sequence[Quarantined],
        released: Sequence[int],
        pulled_through: int | None,
    ) -> None:
        with UnitOfWork(self.engine, sync_actor(self.company)) as uow:
            conn = uow.conn
            sweep(conn)  # this device's own unswept changes get their outbox row first
            uow.memo(APPLYING, lambda: True)
            for seq in released:
                conn.execute(sync_quarantine.delete().where(sync_quarantine.c.server_seq == seq))
            for q in quarantined:
                _hold(conn, q.server_seq, q.reason, q.message, q.envelope)
            done = _applied_keys(conn, [_key(item) for item in received])
            fresh = [item for item in received if _key(item) not in done]
            applied = 0
            for run in _runs(fresh):
                if len(run) > 1 and self._apply_batch(uow, run):
                    applied += len(run)
                    continue
                for item in run:
                    applied += self._apply_one(uow, item)
            if pulled_through is not None and pulled_through > read_int_state(
                conn, "pulled_through"
            ):
                write_state(conn, "pulled_through", str(pulled_through))
            if applied:
                uow.record("sync.apply", "sync", pulled_through or 0, {"changes": applied})
            uow.commit()

    def _apply_one(self, uow: UnitOfWork, item: Received) -> int:
        """One change in its own savepoint; quarantined whole when it cannot be applied."""
        try:
            with uow.savepoint():
                self._apply_change(uow, item.change)
        except _APPLY_ERRORS as exc:
            uow.memo(APPLYING, lambda: True)  # the savepoint cleared the memos
            _hold(uow.conn, item.server_seq, "apply_failed", str(exc)[:2000], item.envelope)
            return 0
        _mark_applied(uow.conn, item)
        return 1

    def _apply_batch(self, uow: UnitOfWork, run: Sequence[Received]) -> bool:
        """A run of one device's consecutive sales re-posted as one billing batch (one insert
        per table instead of dozens of statements per document), with the ids its documents
        name read once for the run. Any refusal rolls the batch back and the caller applies
        the run one change at a time, so quarantine still holds single changes. Numbers are
        checked one by one after posting."""
        conn = uow.conn
        ops = [op for item in run for op in item.change.ops if isinstance(op, DocOp)]
        bodies = [op.body for op in ops]
        try:
            with uow.savepoint():
                known = _Known(conn, ops)
                if any(known.get("documents", op.id) is not None for op in ops):
                    raise ApplyFailed("a document of the run is already here")
                drafts = [_draft(conn, body, known) for body in bodies]
                numbers = [_issued(body) for body in bodies]
                posted = post_documents_in(
                    uow, self.company.profile, drafts, numbers, posted_elsewhere=True
                )
                for body, result in zip(bodies, posted, strict=True):
                    _check_issued(body, result.document)
                conn.execute(
                    sync_ids.insert(),
                    [
                        {"tbl": "documents", "gid": op.id, "local_id": result.document.id}
                        for op, result in zip(ops, posted, strict=True)
                    ],
                )
        except _APPLY_ERRORS:
            uow.memo(APPLYING, lambda: True)
            return False
        _mark_applied(conn, *run)
        return True

    def _apply_change(self, uow: UnitOfWork, change: Change) -> None:
        pending: dict[tuple[str, str], dict[str, JsonValue]] = {}
        for op in change.ops:
            if isinstance(op, SetOp):
                if _field_op(uow.conn, op, change.hlc):
                    pending.setdefault((op.table, op.id), {})[op.field] = op.value
                continue
            self._flush(uow, pending, change.hlc)
            if op.table == "documents":
                self._apply_document(uow, op)
            elif op.table == "cancellations":
                self._apply_cancellation(uow, op)
            elif op.table == "settlements":
                self._apply_settlement(uow, op)
            elif op.table == "vouchers":
                self._apply_voucher(uow, op)
            elif op.table == STOCK_ENTRIES:
                _apply_stock_entry(uow, op)
            elif op.table == STOCK_REVERSALS:
                _apply_stock_reversal(uow, op)
            elif op.table == IRNS:
                self._apply_irn(uow, op, change.hlc)
            else:
                raise ApplyFailed(
                    f"This version of Bahi cannot apply a {op.table} change yet; it is kept "
                    "and applied after an update."
                )
        self._flush(uow, pending, change.hlc)

    def _apply_cancellation(self, uow: UnitOfWork, op: DocOp) -> None:
        doc_id = DocumentId(_need(uow.conn, "documents", op.id, "document"))
        if billing_queries.document(uow.conn, doc_id).cancelled:
            return  # the same cancellation again
        on = op.body.get("on")
        if not isinstance(on, str):
            raise ApplyFailed(f"The cancellation of document {op.id} has no date.")
        reason = str(op.body.get("reason", "")) or "Cancelled on another device"
        cancel_document_in(uow, self.company.profile, doc_id, date.fromisoformat(on), reason)

    def _apply_irn(self, uow: UnitOfWork, op: DocOp, stamp: Timestamp) -> None:
        """An IRN recorded on another device, through billing's ``record_irn_in``, whose
        checks hold here (a live B2B outward document, acknowledged on or after its date).
        Once per document: the same IRN again changes nothing. Two devices that recorded
        different IRNs offline keep the one recorded first (the earlier stamp, as
        ``sync.merge.doc_wins`` decides an id clash) on both, and each logs the other as a
        conflict: the device whose own IRN lost has it replaced, never silently."""
        conn = uow.conn
        body: Any = op.body
        found = local_id(conn, "documents", op.id)
        if found is None:
            raise ApplyFailed(
                f"The IRN of {body.get('number') or 'document ' + op.id} is for a document "
                "that has not reached this device yet; it is applied at the sync that brings "
                "the document."
            )
        doc_id = DocumentId(found)
        irn = Irn(
            str(body["irn"]).strip().lower(),
            str(body["ack_no"]),
            date.fromisoformat(str(body["ack_date"])),
            str(body["signed_qr"]),
        )
        held = billing_queries.document(conn, doc_id).irn
        held_at = irn_stamp(conn, op.id)
        if held is None or held.irn == irn.irn:
            if held is None:
                record_irn_in(uow, doc_id, irn)
            # The earliest stamp of the IRN held, so a third device's IRN is judged alike here.
            if held_at is None or stamp < held_at:
                keep_irn_stamp(conn, op.id, irn.irn, stamp)
            return
        # One that never travelled (recorded before IRNs synced) counts as the oldest.
        held_at = held_at or Timestamp(0, 0, self.device_id)
        wins = doc_wins(held_at, stamp)
        if wins:
            record_irn_in(uow, doc_id, irn, replaces=held.irn)
            keep_irn_stamp(conn, op.id, irn.irn, stamp)
        kept, lost = (irn.irn, held.irn) if wins else (held.irn, irn.irn)
        kept_at, lost_at = (stamp, held_at) if wins else (held_at, stamp)
        _log_conflict(conn, IRNS, op.id, "irn", (kept, kept_at), (lost, lost_at))

    def _apply_settlement(self, uow: UnitOfWork, op: DocOp) -> None:
        """A receipt or payment re-posted through billing: its voucher and allocations are
        made here, so the party's outstanding follows from the same documents."""
        conn = uow.conn
        if local_id(conn, "settlements", op.id) is not None:
            return  # insert-if-absent
        body: Any = op.body
        party = PartyId(_need(conn, "parties", body["party"], "party"))
        against = [
            (DocumentId(_need(conn, "documents", a["document"], "document")), Decimal(a["amount"]))
            for a in body["allocations"]
        ]
        tender = Tender(PaymentMode(body["mode"]), Decimal(body["amount"]), body["reference"])
        settlement_id = record_settlement_in(
            uow,
            self.company.profile,
            party,
            date.fromisoformat(body["on"]),
            tender,
            against,
            receiving=body["kind"] == "receipt",
        )
        conn.execute(sync_ids.insert().values(tbl="settlements", gid=op.id, local_id=settlement_id))

    def _apply_voucher(self, uow: UnitOfWork, op: DocOp) -> None:
        """A hand-entered voucher (or its reversal) posted through the ledger with this
        device's accounts; it takes this device's next voucher number (voucher numbers are
        per company, unlike invoice numbers, which the law ties to the issuing series)."""
        conn = uow.conn
        if local_id(conn, "vouchers", op.id) is not None:
            return
        body: Any = op.body
        on = date.fromisoformat(body["on"])
        profile = self.company.profile
        if body["reverses"]:
            original = VoucherId(_need(conn, "vouchers", body["reverses"], "voucher"))
            posted = ledger.reverse_in(uow, profile, original, on, body["narration"])
        else:
            lines = tuple(
                Line(_account(uow, line), Decimal(line["amount"])) for line in body["lines"]
            )
            voucher = Voucher(
                VoucherType(body["type"]), on, lines, body["narration"], body["reference"]
            )
            posted = ledger.post_in(uow, profile, [voucher])[0]
        conn.execute(sync_ids.insert().values(tbl="vouchers", gid=op.id, local_id=posted.id))

    # ------------------------------------------------------------ master data

    def _flush(
        self,
        uow: UnitOfWork,
        pending: dict[tuple[str, str], dict[str, JsonValue]],
        stamp: Timestamp,
    ) -> None:
        for (table_name, gid), values in pending.items():
            if table_name == "items":
                _write_item(uow, gid, values, stamp, self.device_id)
            elif table_name == BATCHES:
                _write_batch(uow, gid, values)
            elif table_name == SETTINGS:
                _write_setting(uow, gid, values)
            else:
                self._write_master(uow, table_name, gid, values)
        pending.clear()

    def _write_master(
        self, uow: UnitOfWork, table_name: str, gid: str, values: dict[str, JsonValue]
    ) -> None:
        if table_name == OPENINGS:
            self._write_opening(uow, gid, values)
            return
        conn = uow.conn
        table = MASTER[table_name]
        row_id = local_id(conn, table_name, gid)
        if row_id is None:
            name = values.get("name")
            if not isinstance(name, str):
                raise ApplyFailed(f"A {table_name} record {gid} arrived without its name.")
            # The same name made on two devices offline is one record (names are unique).
            same = conn.execute(select(table.c.id).where(table.c.name == name)).scalar()
            row_id = int(same) if same is not None else self._create(uow, table_name, values)
            conn.execute(sync_ids.insert().values(tbl=table_name, gid=gid, local_id=row_id))
        if table_name == "accounts":
            # Only the name changes after an account is made, and through the ledger.
            if isinstance(values.get("name"), str):
                ledger.rename_account_in(uow, AccountId(row_id), str(values["name"]))
            return
        known = set(master_fields(table))
        row = {k: from_json(table, k, v) for k, v in values.items() if k in known}
        if row:
            stamp = {"updated_at": _now()} if "updated_at" in table.c else {}
            conn.execute(update(table).where(table.c.id == row_id).values(**row, **stamp))
        if table_name == "parties" and isinstance(values.get("name"), str):
            # One party, one ledger account: a renamed party's account takes the new name
            # here too, as ``update_party`` does where the rename was made.
            account = conn.execute(
                select(parties.c.account_id).where(parties.c.id == row_id)
            ).scalar_one()
            ledger.rename_account_in(uow, AccountId(account), str(values["name"]))

    def _create(self, uow: UnitOfWork, table_name: str, values: dict[str, JsonValue]) -> int:
        """A new record through its owner's service (the party's ledger account comes with it);
        every field is then set from the change."""
        name = str(values["name"])
        if table_name == "parties":
            kind = PartyKind(str(values.get("kind") or PartyKind.CUSTOMER.value))
            return int(add_party_in(uow, self.company.profile, PartyDraft(name, kind)))
        if table_name == "godowns":
            return int(add_godown_in(uow, name, str(values.get("address") or "")))
        if table_name == "accounts":
            group = values.get("group")
            if not isinstance(group, str):
                raise ApplyFailed(f"Ledger account {name!r} arrived without its group.")
            return int(ledger.add_account_in(uow, name, group))
        raise ApplyFailed(f"A {table_name} record cannot be made here.")

    # ------------------------------------------------------------ openings

    def _write_opening(self, uow: UnitOfWork, key: str, values: dict[str, JsonValue]) -> None:
        """A winning opening balance or opening stock, made so here through its owner."""
        conn = uow.conn
        parts = opening_key(key)
        if parts[0] == "party":
            amount = values.get("amount")
            if isinstance(amount, str):
                party = PartyId(_need(conn, "parties", parts[1], "party"))
                set_opening_balance_in(uow, self.company.profile, party, Decimal(amount))
            return
        stock: Any = values.get("stock")
        if not isinstance(stock, dict):
            return
        item = ItemId(_need(conn, "items", parts[1], "item"))
        godown = _godown_named(conn, parts[2])
        on = date.fromisoformat(parts[3])
        batch = _batch_here(conn, item, parts[4], "An opening stock") if len(parts) > 4 else None
        qty, value = Decimal(stock["qty"]), Decimal(stock["value"])
        _set_opening_stock(uow, item, godown, on, qty, value, batch)

    # ------------------------------------------------------------ documents

    def _apply_document(self, uow: UnitOfWork, op: DocOp) -> None:
        conn = uow.conn
        if local_id(conn, "documents", op.id) is not None:
            return  # insert-if-absent: a document is immutable, a second copy is a no-op
        body = op.body
        draft = _draft(conn, body)
        number = _issued(body) if isinstance(body.get("series"), dict) else None
        # A sale made there is a fact here: a batch expired by this device's dates (its
        # expiry changed since, or the owner allowed it there) does not refuse it.
        posted = post_documents_in(
            uow, self.company.profile, [draft], [number], posted_elsewhere=True
        )[0].document
        _check_issued(body, posted)
        conn.execute(sync_ids.insert().values(tbl="documents", gid=op.id, local_id=posted.id))


_APPLY_ERRORS = (AppError, SyncError, SQLAlchemyError, ValueError, KeyError, TypeError)


# Built once: a page asks about hundreds of changes.
_APPLIED = select(sync_applied.c.device_id, sync_applied.c.device_seq).where(
    tuple_(sync_applied.c.device_id, sync_applied.c.device_seq).in_(
        bindparam("keys", expanding=True)
    )
)
_OUTBOX_AFTER = (
    select(sync_outbox.c.device_seq, sync_outbox.c.payload, sync_outbox.c.envelope)
    .add_columns(sync_outbox.c.kind)
    .where(sync_outbox.c.device_seq > bindparam("after"))
    .order_by(sync_outbox.c.device_seq)
    .limit(bindparam("limit"))
)
_STORE_SEALED = (
    update(sync_outbox)
    .where(sync_outbox.c.device_seq == bindparam("seq"))
    .where(sync_outbox.c.envelope.is_(None))
    .values(envelope=bindparam("sealed"))
)
_SENT = select(sync_outbox.c.device_seq, sync_outbox.c.envelope).where(
    sync_outbox.c.device_seq.in_(bindparam("seqs", expanding=True)),
    sync_outbox.c.envelope.is_not(None),
)


def _key(item: Received) -> tuple[str, int]:
    return (item.header.device_id, item.header.device_seq)


def _applied_keys(conn: Connection, keys: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which (device, device_seq) pairs are in ``sync_applied``: one read per few hundred."""
    found: set[tuple[str, int]] = set()
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), 400):  # two bound parameters a key
        for device, seq in conn.execute(_APPLIED, {"keys": wanted[start : start + 400]}):
            found.add((str(device), int(seq)))
    return found


def _mark_applied(conn: Connection, *items: Received) -> None:
    conn.execute(
        sync_applied.insert(),
        [
            {
                "device_id": item.header.device_id,
                "device_seq": item.header.device_seq,
                "server_seq": item.server_seq,
            }
            for item in items
        ],
    )


class _Known:
    """The local ids of the parties, items and documents a run of documents names, read in
    one query for the run, and the godowns by name, read once (``_draft`` needs them for
    every document). A gid not found here is looked up again (and refused) as usual."""

    def __init__(self, conn: Connection, ops: Sequence[DocOp]) -> None:
        wanted: dict[str, list[str]] = {"documents": [op.id for op in ops]}
        wanted["parties"], wanted["items"] = [], []
        for op in ops:
            body: Any = op.body
            if body.get("party"):
                wanted["parties"].append(str(body["party"]))
            if body.get("original"):
                wanted["documents"].append(str(body["original"]))
            wanted["items"] += [str(ln["item"]) for ln in body.get("lines", ()) if ln.get("item")]
        self.ids = local_ids(conn, wanted)
        self.godowns = _godown_ids(conn)

    def get(self, table: str, gid: str) -> int | None:
        return self.ids.get((table, gid))


def _series_of(body: Any) -> dict[str, Any]:
    series = body.get("series")
    if not isinstance(series, dict):
        raise ApplyFailed(f"Document {body.get('number')} names no number series.")
    return series


def _issued(body: Any) -> IssuedNumber:
    """The number the sender issued the document under, from the sender's own series."""
    series = _series_of(body)
    return IssuedNumber(str(series["device"]), str(series["prefix"]), int(series["serial"]))


def _batchable(item: Received) -> tuple[str, str] | None:
    """(device, series device) of a change holding only outward documents, else None."""
    bodies = []
    for op in item.change.ops:
        if not (isinstance(op, DocOp) and op.table == "documents"):
            return None
        bodies.append(op.body)
    if not bodies or any(b.get("our_reference") or not b.get("series") for b in bodies):
        return None
    devices = {str(_series_of(b)["device"]) for b in bodies}
    return (item.header.device_id, devices.pop()) if len(devices) == 1 else None


def _runs(items: Sequence[Received]) -> list[list[Received]]:
    """Consecutive changes that can be posted as one batch: documents only, from one
    device's series, serials running on without a hole for each (kind, year)."""
    runs: list[list[Received]] = []
    key: tuple[str, str] | None = None
    next_serial: dict[tuple[str, str], int] = {}
    for item in items:
        this = _batchable(item)
        follows = this is not None and this == key
        if follows:
            for op in item.change.ops:
                assert isinstance(op, DocOp)
                slot = (str(op.body["kind"]), str(op.body["fy"]))
                serial = int(_series_of(op.body)["serial"])
                if next_serial.get(slot, serial) != serial:
                    follows = False
        if not follows:
            runs.append([])
            next_serial = {}
        runs[-1].append(item)
        key = this
        if this is None:
            key = None
            continue
        for op in item.change.ops:
            assert isinstance(op, DocOp)
            slot = (str(op.body["kind"]), str(op.body["fy"]))
            next_serial[slot] = int(_series_of(op.body)["serial"]) + 1
    return runs


def _check_issued(body: Any, posted: Any) -> None:
    outward = DocKind(body["kind"]).outward
    issued = posted.number if outward else posted.our_reference
    wanted = body["number"] if outward else body["our_reference"]
    if issued != wanted or posted.grand_total != Decimal(str(body["grand_total"])):
        raise ApplyFailed(
            f"Document {body['number']} re-posts as {issued} for {posted.grand_total}, not "
            f"{wanted} for {body['grand_total']}: the two devices' settings differ."
        )


def _hold(conn: Connection, server_seq: int, reason: str, message: str, envelope: bytes) -> None:
    stmt = insert(sync_quarantine).values(
        server_seq=server_seq, reason=reason, message=message, envelope=envelope, at=_now()
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[sync_quarantine.c.server_seq],
            set_={"reason": reason, "message": message},
        )
    )


def _field_op(conn: Connection, op: SetOp, stamp: Timestamp) -> bool:
    """Per-field LWW (``sync.merge``): True when the incoming value wins."""
    row = conn.execute(
        select(sync_fields.c.hlc, sync_fields.c.value).where(
            sync_fields.c.tbl == op.table,
            sync_fields.c.gid == op.id,
            sync_fields.c.field == op.field,
        )
    ).first()
    current = Timestamp.parse(row.hlc) if row else None
    if current == stamp:
        return False  # the same write again
    incoming = canonical_json({"v": op.value})
    clash = row is not None and concurrent(current, op.base) and row.value != incoming
    wins = field_wins(current, stamp)
    if clash:
        assert row is not None and current is not None
        kept, lost = (incoming, row.value) if wins else (row.value, incoming)
        kept_at, lost_at = (stamp, current) if wins else (current, stamp)
        _log_conflict(
            conn,
            op.table,
            op.id,
            op.field,
            (json.loads(kept)["v"], kept_at),
            (json.loads(lost)["v"], lost_at),
        )
    if wins:
        stmt = insert(sync_fields).values(
            tbl=op.table, gid=op.id, field=op.field, hlc=stamp.text(), value=incoming
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[sync_fields.c.tbl, sync_fields.c.gid, sync_fields.c.field],
                set_={"hlc": stamp.text(), "value": incoming},
            )
        )
    return wins


def _write_setting(uow: UnitOfWork, key: str, values: dict[str, JsonValue]) -> None:
    """A company setting decided on another device, kept here once it makes sense here."""
    value = values.get("value")
    if not isinstance(value, str):
        raise ApplyFailed(f"The shop's setting {key} arrived without a value.")
    problem = received_problem(key, value, device_code(uow))
    if problem:
        raise ApplyFailed(
            f"The shop's setting {key} cannot be used on this device ({problem}); it is kept "
            "and applied after an update."
        )
    write_setting(uow, key, value)


def _need(conn: Connection, table: str, gid: object, what: str, known: _Known | None = None) -> int:
    found = known.get(table, str(gid)) if known is not None else None
    if found is None:
        found = local_id(conn, table, str(gid))
    if found is None:
        raise ApplyFailed(f"A document names {what} {gid} that this device has not received yet.")
    return found


def _account(uow: UnitOfWork, line: Any) -> AccountId:
    """A travelled voucher line's account here: by role, by party, else by name. A role
    account this device has not needed yet (the closing-stock journal's, made on first use)
    is made here under the group it came with."""
    conn = uow.conn
    found: int | None
    if line.get("system") and line.get("group"):
        found = ledger.ensure_system_account(uow, line["system"], line["account"], line["group"])
    elif line.get("system"):
        found = conn.execute(
            select(accounts.c.id).where(accounts.c.system_key == line["system"])
        ).scalar()
    elif line.get("party"):
        party = _need(conn, "parties", line["party"], "party")
        found = conn.execute(select(parties.c.account_id).where(parties.c.id == party)).scalar()
    else:
        found = conn.execute(
            select(accounts.c.id).where(accounts.c.name == line["account"])
        ).scalar()
    if found is None:
        raise ApplyFailed(
            f"A voucher names ledger account {line['account']!r}, which this device does not "
            "have; add it here and the voucher is applied at the next sync."
        )
    return AccountId(int(found))


def _godown_ids(conn: Connection) -> dict[str, int]:
    return {n.casefold(): i for i, n in conn.execute(_GODOWNS)}


def _draft(conn: Connection, body: Any, known: _Known | None = None) -> DocumentDraft:
    """The draft a received document's body was posted from, with this device's ids
    (``known``: those of its run, read once)."""
    godown_ids = known.godowns if known is not None else _godown_ids(conn)
    lines = []
    for line in body["lines"]:
        godown = line.get("godown")
        item = _need(conn, "items", line["item"], "item", known) if line["item"] else None
        batch = None
        if line.get("batch"):
            if item is None:
                raise ApplyFailed(f"Document {body['number']} has a batch on a line without item.")
            batch = _batch_here(conn, ItemId(item), line["batch"], f"Document {body['number']}")
        lines.append(
            DraftLine(
                description=line["description"],
                qty=Decimal(line["qty"]),
                unit_price=Decimal(line["unit_price"]),
                gst_rate=Decimal(line["gst_rate"]),
                item_id=item,
                hsn=line["hsn"],
                uqc=line["uqc"],
                discount_pct=Decimal(line["discount_pct"]),
                cess_rate=Decimal(line["cess_rate"]),
                price_includes_tax=bool(line["price_includes_tax"]),
                taxability=Taxability(line["taxability"]),
                godown_id=godown_ids[godown.casefold()] if godown else None,
                batch_id=batch,
            )
        )
    walk_in = None
    if body["walk_in"]:
        w = body["walk_in"]
        shipping = (
            Address(w["cp_ship_address"], w["cp_ship_state"] or "", w["cp_ship_pin"] or "")
            if w["cp_ship_address"] is not None
            else None
        )
        walk_in = Counterparty(
            w["cp_name"],
            w["cp_gstin"],
            w["cp_state"],
            Address(w["cp_address"], w["cp_state"], w["cp_pin"]),
            shipping,
            w["cp_phone"],
        )
    export = None
    if body["export"]:
        e = body["export"]
        export = Export(
            bool(e["with_payment"]),
            e["port_code"],
            e["shipping_bill"],
            date.fromisoformat(e["shipping_bill_date"]) if e["shipping_bill_date"] else None,
        )
    kind = DocKind(body["kind"])
    return DocumentDraft(
        kind=kind,
        doc_date=date.fromisoformat(body["doc_date"]),
        lines=tuple(lines),
        party_id=PartyId(_need(conn, "parties", body["party"], "party", known))
        if body["party"]
        else None,
        walk_in=walk_in,
        place_of_supply=body["place_of_supply"],
        reverse_charge=bool(body["reverse_charge"]),
        export=export,
        to_sez=bool(body["to_sez"]),
        original_id=DocumentId(_need(conn, "documents", body["original"], "document", known))
        if body["original"]
        else None,
        original_number=body["original_number"] if not body["original"] else "",
        original_date=date.fromisoformat(body["original_date"])
        if body["original_date"] and not body["original"]
        else None,
        reason=body["reason"],
        supplier_number="" if kind.outward else body["number"],
        itc_eligible=bool(body["itc_eligible"]),
        moves_stock=bool(body["moves_stock"]),
        tenders=tuple(
            Tender(PaymentMode(t["mode"]), Decimal(t["amount"]), t["reference"])
            for t in body["tenders"]
        ),
        notes=body["notes"],
    )


_GODOWNS = select(godowns.c.id, godowns.c.name)


def _godown_named(conn: Connection, name: str) -> GodownId:
    """A godown by its name, ignoring case (as a document's line names it)."""
    for godown_id, found in conn.execute(_GODOWNS):
        if found.casefold() == name.casefold():
            return GodownId(godown_id)
    raise ApplyFailed(f"Godown {name!r} has not reached this device yet.")


def _set_opening_stock(
    uow: UnitOfWork,
    item: ItemId,
    godown: GodownId,
    on: date,
    qty: Decimal,
    value: Decimal,
    batch: BatchId | None = None,
) -> None:
    """Make the opening stock of ``item`` (of ``batch``) in ``godown`` on ``on`` (qty,
    value) through inventory's services. More goods at no less value is one more opening
    journal; anything else reverses the journals standing for it (moves are never edited)
    and posts them again with this line at its new figure and their other lines as they
    were."""
    conn = uow.conn
    standing, have_qty, have_value = opening_stock(conn, item, godown, on, batch)
    more, dearer = qty - have_qty, value - have_value
    if more == 0 and dearer == 0:
        return
    if more > 0 and dearer >= 0:
        opening_stock_in(uow, godown, [StockLine(item, more, batch, value=dearer)], on)
        return
    again: list[StockLine] = []
    for source in standing:
        moves = conn.execute(
            select(stock_moves.c.id, stock_moves.c.item_id, stock_moves.c.godown_id)
            .add_columns(stock_moves.c.qty, stock_moves.c.value, stock_moves.c.batch_id)
            .where(stock_moves.c.source_kind == "stock journal")
            .where(stock_moves.c.source_id == source)
            .order_by(stock_moves.c.id)
        ).all()
        if any(m.godown_id != godown for m in moves):
            raise ApplyFailed(f"Opening stock journal {source} spans godowns; change it by hand.")
        serials: dict[int, list[str]] = {}
        for move_id, serial in conn.execute(
            select(stock_move_serials.c.move_id, stock_move_serials.c.serial).where(
                stock_move_serials.c.move_id.in_([m.id for m in moves])
            )
        ):
            serials.setdefault(move_id, []).append(serial)
        reverse_stock_in(uow, "stock journal", source, on)
        again += [
            StockLine(
                ItemId(m.item_id), m.qty, m.batch_id, tuple(sorted(serials.get(m.id, []))), m.value
            )
            for m in moves
            if not (m.item_id == item and m.batch_id == batch)
        ]
    if qty > 0:
        again.append(StockLine(item, qty, batch, value=value))
    if again:
        opening_stock_in(uow, godown, again, on)


# ---------------------------------------------------------------- batches


def _batch_here(conn: Connection, item: ItemId, batch_no: object, what: str) -> BatchId:
    """The local batch a received line names by its number (its item is the line's),
    matched as inventory matches batch numbers."""
    if not isinstance(batch_no, str):
        # Before version 5 a document's line named its batch by the sender's own id.
        raise ApplyFailed(
            f"{what} was sent by an older Bahi that named its batch by that device's own "
            "number, which means nothing here; enter it on this device by hand."
        )
    found = conn.execute(
        select(batches.c.id).where(
            batches.c.item_id == item, batches.c.batch_no == batch_no.strip()
        )
    ).scalar()
    if found is None:
        name = conn.execute(select(items.c.name).where(items.c.id == item)).scalar()
        raise ApplyFailed(
            f"{what} names batch {batch_no} of {name}, which has not reached this device "
            "yet; it is applied at the sync that brings the batch."
        )
    return BatchId(int(found))


def _write_batch(uow: UnitOfWork, key: str, values: dict[str, JsonValue]) -> None:
    """A batch's winning dates, through inventory: ``batch_in`` makes a batch new here,
    ``set_batch_dates_in`` changes one (the checks of either apply: a merge whose expiry
    falls before its manufacture is held back until the batch is saved again)."""
    conn = uow.conn
    item_gid, batch_no = batch_key_parts(key)
    item_id = local_id(conn, "items", item_gid)
    if item_id is None:
        raise ApplyFailed(
            f"Batch {batch_no} is of item {item_gid}, which has not reached this device yet."
        )
    row = conn.execute(
        select(batches.c.id, batches.c.mfg_date, batches.c.expiry_date).where(
            batches.c.item_id == item_id, batches.c.batch_no == batch_no
        )
    ).first()
    kept = (None, None) if row is None else (row.mfg_date, row.expiry_date)
    mfg, expiry = (
        from_json(batches, field, values[field]) if field in values else old
        for field, old in zip(("mfg_date", "expiry_date"), kept, strict=True)
    )
    if row is None:
        batch_in(uow, ItemId(item_id), batch_no, mfg, expiry)
    else:
        set_batch_dates_in(uow, BatchId(row.id), mfg, expiry)


# ---------------------------------------------------------------- items


# A travelled item column whose ``ItemDraft`` field has another name.
_DRAFT_FIELD = {"stock_group": "group"}


def _write_item(
    uow: UnitOfWork, gid: str, values: dict[str, JsonValue], stamp: Timestamp, device: str
) -> None:
    """An item's winning fields, written through inventory (``update_item_in``, or
    ``add_items_in`` for an item new here), so its barcodes, other units, price lists and
    search row are inventory's own rows, checked as the item form checks them. A merge the
    form would refuse (a sale price above a concurrent MRP) is held back until the item is
    saved again on any device."""
    conn = uow.conn
    row_id = local_id(conn, "items", gid)
    if row_id is None:
        name = values.get("name")
        if not isinstance(name, str):
            raise ApplyFailed(f"An items record {gid} arrived without its name.")
        # The same name made on two devices offline is one item (names are unique).
        same = conn.execute(select(items.c.id).where(items.c.name == name)).scalar()
        if same is not None:
            row_id = int(same)
            conn.execute(sync_ids.insert().values(tbl="items", gid=gid, local_id=row_id))
    current = _item_draft(conn, row_id) if row_id is not None else ItemDraft(str(values["name"]))
    draft = _merged_item(current, values)
    if "barcodes" in values and draft.barcodes:
        kept = _claim_barcodes(uow, gid, row_id, draft.barcodes, stamp, device)
        draft = replace(draft, barcodes=kept)
    if row_id is None:
        made = add_items_in(uow, [draft])[0]
        conn.execute(sync_ids.insert().values(tbl="items", gid=gid, local_id=made))
    else:
        update_item_in(uow, ItemId(row_id), draft)


def _item_draft(conn: Connection, item_id: int) -> ItemDraft:
    """An item here as the item form would save it again."""
    view = inventory_queries.item(conn, item_id)
    row = view.item
    return ItemDraft(
        name=row.name,
        unit=row.unit,
        sku=row.sku,
        barcodes=tuple(code for code, _ in view.barcodes),
        hsn=row.hsn,
        gst_rate=row.gst_rate,
        mrp=row.mrp,
        sale_price=row.sale_price,
        purchase_price=row.purchase_price,
        prices=view.prices,
        conversions=view.conversions,
        group=row.group,
        reorder_level=row.reorder_level,
        reorder_qty=row.reorder_qty,
        lead_time_days=row.lead_time_days,
        batch_tracked=row.batch_tracked,
        serial_tracked=row.serial_tracked,
        scale_plu=row.scale_plu,
        active=row.active,
    )


def _merged_item(draft: ItemDraft, values: dict[str, JsonValue]) -> ItemDraft:
    """``draft`` with the fields that won; fields this version does not know are ignored."""
    columns = set(master_fields(items))
    changes: dict[str, Any] = {}
    for field, value in values.items():
        raw: Any = value
        if field == "barcodes":
            changes["barcodes"] = tuple(str(code) for code in raw)
        elif field == "units":
            changes["conversions"] = tuple(
                UnitConversion(str(u["uqc"]), Decimal(str(u["factor"]))) for u in raw
            )
        elif field == "prices":
            changes["prices"] = tuple((str(p["list"]), Decimal(str(p["price"]))) for p in raw)
        elif field in columns:
            changes[_DRAFT_FIELD.get(field, field)] = from_json(items, field, value)
    return replace(draft, **changes)


def _field_stamp(conn: Connection, table: str, gid: str, field: str) -> Timestamp | None:
    found = conn.execute(
        select(sync_fields.c.hlc).where(
            sync_fields.c.tbl == table, sync_fields.c.gid == gid, sync_fields.c.field == field
        )
    ).scalar()
    return None if found is None else Timestamp.parse(found)


def _claim_barcodes(
    uow: UnitOfWork,
    gid: str,
    row_id: int | None,
    codes: tuple[str, ...],
    stamp: Timestamp,
    device: str,
) -> tuple[str, ...]:
    """One barcode, one item. A code that another item holds here (two devices gave it to
    two items offline) goes to the item whose barcodes were written later, the same on every
    device; the other item loses it, and the conflict log says so. Returns the codes this
    item keeps."""
    conn = uow.conn
    holders = conn.execute(
        select(item_barcodes.c.code, item_barcodes.c.item_id)
        .where(item_barcodes.c.code.in_(codes))
        .where(item_barcodes.c.item_id != (row_id if row_id is not None else -1))
        .order_by(item_barcodes.c.code)
    ).all()
    kept = list(codes)
    for code, holder in holders:
        holder_gid = gid_for(conn, "items", holder, device)
        held_at = _field_stamp(conn, "items", holder_gid, "barcodes")
        if held_at is not None and held_at > stamp:
            before = list(kept)
            kept.remove(code)
            _log_conflict(conn, "items", gid, "barcodes", (kept, held_at), (before, stamp))
            continue
        # Codes that never travelled (given before this version) count as the oldest write.
        other = _item_draft(conn, holder)
        remaining = tuple(c for c in other.barcodes if c != code)
        update_item_in(uow, ItemId(holder), replace(other, barcodes=remaining))
        lost_at = held_at or Timestamp(0, 0, device)
        _log_conflict(
            conn,
            "items",
            holder_gid,
            "barcodes",
            (list(remaining), stamp),
            (list(other.barcodes), lost_at),
        )
    return tuple(kept)


def _log_conflict(
    conn: Connection,
    table: str,
    gid: str,
    field: str,
    kept: tuple[Any, Timestamp],
    lost: tuple[Any, Timestamp],
) -> None:
    """One row of the conflict log: the value kept and the one lost, each with its stamp."""
    conn.execute(
        sync_conflicts.insert().values(
            tbl=table,
            gid=gid,
            field=field,
            kept=json.dumps(kept[0]),
            kept_hlc=kept[1].text(),
            lost=json.dumps(lost[0]),
            lost_hlc=lost[1].text(),
            at=_now(),
        )
    )


# ---------------------------------------------------------------- stock entries


@dataclass(frozen=True)
class _StockMove:
    item: ItemId
    godown: GodownId
    qty: Decimal
    value: Decimal | None
    serials: tuple[str, ...]
    batch: BatchId | None


def _stock_move(conn: Connection, move: Any) -> _StockMove:
    item = ItemId(_need(conn, "items", move["item"], "item"))
    batch = _batch_here(conn, item, move["batch"], "A stock entry") if move.get("batch") else None
    return _StockMove(
        item,
        _godown_named(conn, str(move["godown"])),
        Decimal(move["qty"]),
        None if move["value"] is None else Decimal(move["value"]),
        tuple(str(s) for s in move["serials"]),
        batch,
    )


def _apply_stock_entry(uow: UnitOfWork, op: DocOp) -> None:
    """A transfer, adjustment or count made on another device, re-posted here through
    inventory; insert-if-absent by its shop-wide id. Its moves are the sender's line by line
    (a count's differences, never a recount here). Negative stock follows this company's
    setting: allowed with a warning, or refused ("block"), which holds the change back until
    the goods it moves are here (a purchase or a transfer arriving releases it)."""
    conn = uow.conn
    if local_id(conn, STOCK_ENTRIES, op.id) is not None:
        return
    body: Any = op.body
    on = date.fromisoformat(body["on"])
    narration = str(body["narration"])
    moves = [_stock_move(conn, m) for m in body["moves"]]
    kind = body["kind"]
    posted: PostedStock
    if kind == "transfer":
        sources = {m.godown for m in moves if m.qty < 0}
        targets = {m.godown for m in moves if m.qty > 0}
        if len(sources) != 1 or len(targets) != 1:
            raise ApplyFailed(f"Stock transfer {op.id} does not run from one godown to one.")
        lines = [StockLine(m.item, m.qty, m.batch, m.serials) for m in moves if m.qty > 0]
        posted = transfer_stock_in(uow, sources.pop(), targets.pop(), lines, on, narration)
    elif kind in ("adjustment", "count"):
        places = {m.godown for m in moves}
        if len(places) != 1:
            raise ApplyFailed(f"Stock {kind} {op.id} spans godowns.")
        lines = [StockLine(m.item, m.qty, m.batch, m.serials, m.value) for m in moves]
        posted = adjust_stock_in(uow, places.pop(), lines, on, narration, journal=kind)
    else:
        raise ApplyFailed(f"This version of Bahi cannot apply a stock entry of kind {kind!r}.")
    made = conn.execute(
        select(stock_moves.c.item_id, stock_moves.c.godown_id, stock_moves.c.qty)
        .add_columns(stock_moves.c.value, stock_moves.c.batch_id, stock_moves.c.source_id)
        .where(stock_moves.c.id.in_(posted.move_ids))
        .order_by(stock_moves.c.id)
    ).all()
    if [(r.item_id, r.godown_id, r.qty, r.value, r.batch_id) for r in made] != [
        (m.item, m.godown, m.qty, m.value, m.batch) for m in moves
    ]:
        raise ApplyFailed(f"Stock entry {op.id} re-posts with other moves than it was made with.")
    journal = int(made[0].source_id)
    conn.execute(sync_ids.insert().values(tbl=STOCK_ENTRIES, gid=op.id, local_id=journal))


def _apply_stock_reversal(uow: UnitOfWork, op: DocOp) -> None:
    """A stock entry reversed elsewhere, reversed here through inventory; once only (two
    devices reversing the same entry offline leave it reversed once everywhere)."""
    conn = uow.conn
    journal = _need(conn, STOCK_ENTRIES, op.id, "stock entry")
    moves = conn.execute(
        select(stock_moves.c.item_id, stock_moves.c.godown_id, stock_moves.c.batch_id)
        .add_columns(stock_moves.c.qty)
        .where(stock_moves.c.source_kind == STOCK_JOURNAL)
        .where(stock_moves.c.source_id == str(journal))
    ).all()
    net: dict[tuple[int, int, int | None], Decimal] = {}
    for m in moves:
        key = (m.item_id, m.godown_id, m.batch_id)
        net[key] = net.get(key, Decimal(0)) + m.qty
    if len(moves) > 1 and not any(net.values()):
        return  # already reversed
    reverse_stock_in(uow, STOCK_JOURNAL, str(journal), date.fromisoformat(str(op.body["on"])))
