"""The hash-chained audit log (DESIGN.md §4; Companies (Accounts) Rules 2014, rule 3(1)).

Each row carries the hash of the row before it, so an edit, insertion or deletion made
outside the app breaks the chain at that row. Rows are appended by the unit of work,
in the same transaction as the change they describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from app.storage.tables import audit_log

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    details: str  # canonical JSON


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    problem: str


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, entry: AuditEntry) -> str:
    text = "\x1f".join(
        (
            prev_hash,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.details,
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_LAST_HASH = select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)


def last_hash(conn: Connection) -> str:
    return conn.execute(_LAST_HASH).scalar_one_or_none() or GENESIS


def append(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """Chain and insert entries; call inside the writer's transaction."""
    if not entries:
        return
    prev = last_hash(conn)
    rows = []
    for entry in entries:
        digest = row_hash(prev, entry)
        rows.append({**entry.__dict__, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(audit_log.insert(), rows)


def verify_chain(conn: Connection) -> Iterator[ChainBreak]:
    """Yield every row whose link or hash does not match, in order."""
    prev = GENESIS
    expected_id: int | None = None
    for row in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings():
        if expected_id is not None and row["id"] != expected_id:
            yield ChainBreak(row["id"], f"rows {expected_id} to {row['id'] - 1} are missing")
        expected_id = row["id"] + 1
        entry = AuditEntry(
            row["at"], row["actor"], row["action"], row["entity"], row["entity_id"], row["details"]
        )
        if row["prev_hash"] != prev:
            yield ChainBreak(row["id"], "does not link to the row before it")
        if row_hash(row["prev_hash"], entry) != row["hash"]:
            yield ChainBreak(row["id"], "was changed after it was written (hash mismatch)")
        prev = row["hash"]


def entries_for(conn: Connection, action: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(entity_id, details) of every row with this action, oldest first."""
    query = (
        select(audit_log.c.entity_id, audit_log.c.details)
        .where(audit_log.c.action == action)
        .order_by(audit_log.c.id)
    )
    for entity_id, details in conn.execute(query):
        yield entity_id, json.loads(details)
