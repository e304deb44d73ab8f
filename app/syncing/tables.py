"""Sync tables inside the company file (sync-design.md §7.5). Owned by ``app.syncing``.

* ``sync_outbox``: one row per local transaction that changed synced data, numbered by a
  gap-free ``device_seq``; ``payload`` is the change's canonical JSON (the file itself is
  SQLCipher-encrypted); ``envelope`` is the sealed bytes, made once at the first push and
  resent byte for byte on every retry.
* ``sync_state``: small values (the device's membership, HLC, cursors, audit sweep mark).
* ``sync_applied``: which (device, device_seq) this company has applied, and at which cursor.
* ``sync_ids``: the shop-wide id (``gid``) of each local row of a synced table.
* ``sync_fields``: the winning (HLC, value) of each master-data field (per-field LWW), and
  the stamp of the IRN held for each document (table ``irns``: the earliest is kept).
* ``sync_conflicts`` and ``sync_quarantine``: what lost a concurrent edit, and what could not
  be opened or applied (kept whole, retried after a key, a peer or an upgrade arrives).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table, Text

from app.storage.tables import metadata

sync_state = Table(
    "sync_state",
    metadata,
    Column("k", String(40), primary_key=True),
    Column("v", Text, nullable=False),
)

sync_outbox = Table(
    "sync_outbox",
    metadata,
    Column("device_seq", Integer, primary_key=True, autoincrement=False),
    Column("tx_id", String(36), nullable=False, unique=True),
    Column("hlc", String(90), nullable=False),
    Column("kind", String(8), nullable=False),  # doc, set or mixed
    Column("key", String(120), nullable=False),  # the first op's table/gid, for reading
    Column("payload", LargeBinary, nullable=False),
    Column("envelope", LargeBinary),
    Column("created_at", String(32), nullable=False),
)

sync_applied = Table(
    "sync_applied",
    metadata,
    Column("device_id", String(32), primary_key=True),
    Column("device_seq", Integer, primary_key=True, autoincrement=False),
    Column("server_seq", Integer, nullable=False),
)

sync_ids = Table(
    "sync_ids",
    metadata,
    Column("tbl", String(32), primary_key=True),
    Column("gid", String(80), primary_key=True),
    Column("local_id", Integer, nullable=False),
    Index("ix_sync_ids_local", "tbl", "local_id"),
)

sync_fields = Table(
    "sync_fields",
    metadata,
    Column("tbl", String(32), primary_key=True),
    Column("gid", String(80), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("hlc", String(90), nullable=False),
    Column("value", Text, nullable=False),  # canonical JSON
)

sync_conflicts = Table(
    "sync_conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tbl", String(32), nullable=False),
    Column("gid", String(80), nullable=False),
    Column("field", String(64)),  # None: two documents under one id
    Column("kept", Text, nullable=False),
    Column("kept_hlc", String(90), nullable=False),
    Column("lost", Text, nullable=False),
    Column("lost_hlc", String(90), nullable=False),
    Column("at", String(32), nullable=False),
)

sync_quarantine = Table(
    "sync_quarantine",
    metadata,
    Column("server_seq", Integer, primary_key=True, autoincrement=False),
    Column("reason", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("envelope", LargeBinary, nullable=False),
    Column("at", String(32), nullable=False),
)
