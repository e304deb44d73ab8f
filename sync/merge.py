"""Change kinds and their merge rules (sync-design.md §7.1), pure and storage-free.

* **Documents** (posted invoices, vouchers, payments, stock moves) travel whole, once, and are
  immutable: applying one is insert-if-absent, so union in any order gives the same set.
  Two different bodies under one id cannot come from correct devices (ids are random); should
  it happen, the earlier stamp wins everywhere and the other is logged, so replicas still agree.
* **Master data** (items, prices, parties, settings) is a last-writer-wins register per field,
  ordered by the writer's HLC (whose node is the device id, so there are no ties). A delete is
  the ``_deleted`` field. Each write carries the stamp its writer had seen for that field
  (``base``); when that is not the stamp the receiver holds, the two writes were concurrent and
  the losing value goes to the conflict log ("Till 2 also changed the price to 45").
* **Derived state** (stock on hand, balances, next free number) is never synced: a table not
  declared in the ``SyncSchema`` is refused when a change is built.

``ReplicaState`` is the reference replica (plain dicts) the tests drive; the company file's
apply step follows the same three decisions: ``doc_wins``, ``field_wins``, ``concurrent``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sync.clock import Timestamp
from sync.errors import ChangeRefused, EnvelopeRejected

PAYLOAD_VERSION = 1
DELETED = "_deleted"

JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class SyncSchema:
    """Which tables sync, and how. Bump ``version`` when a table or field is added; a device
    that receives a change of a newer version quarantines it until it is upgraded."""

    version: int
    documents: frozenset[str]
    master: frozenset[str]

    def kind(self, table: str) -> Literal["doc", "master"] | None:
        if table in self.documents:
            return "doc"
        if table in self.master:
            return "master"
        return None


@dataclass(frozen=True, slots=True)
class DocOp:
    table: str
    id: str
    body: Mapping[str, JsonValue]


@dataclass(frozen=True, slots=True)
class SetOp:
    table: str
    id: str
    field: str
    value: JsonValue
    base: Timestamp | None = None  # the stamp the writer had for this field, if any


Op = DocOp | SetOp


def delete_op(table: str, row_id: str, base: Timestamp | None = None) -> SetOp:
    return SetOp(table, row_id, DELETED, True, base)


@dataclass(frozen=True, slots=True)
class Change:
    """One local transaction: what goes into one envelope."""

    tx_id: str
    hlc: Timestamp
    schema_version: int
    ops: tuple[Op, ...]


PLAIN_TYPES = frozenset({str, int, bool, type(None)})  # travel as they are; checked first


def _check_value(value: object, where: str) -> None:
    kind = type(value)
    if kind in PLAIN_TYPES:
        return
    if isinstance(value, dict) and all(  # a flat object of plain values: nothing to look into
        type(k) is str and type(v) in PLAIN_TYPES for k, v in value.items()
    ):
        return
    if isinstance(value, float):
        raise ChangeRefused(
            f"{where} is a float. Money and quantities travel as strings or integer paise."
        )
    if isinstance(value, list):
        for item in value:
            _check_value(item, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ChangeRefused(f"{where} has a non-text key.")
            _check_value(item, where)
    elif value is not None and not isinstance(value, bool | int | str):
        raise ChangeRefused(f"{where} holds a {type(value).__name__}, which cannot be synced.")


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_change(change: Change, schema: SyncSchema) -> bytes:
    """The plaintext of an envelope (canonical JSON). Refuses derived tables and floats."""
    ops: list[dict[str, object]] = []
    for op in change.ops:
        kind = schema.kind(op.table)
        where = f"{op.table}/{op.id}"
        if kind is None:
            raise ChangeRefused(
                f"Table {op.table!r} is not synced: derived state (stock, balances, counters) "
                "is recomputed on every device, never sent."
            )
        if isinstance(op, DocOp):
            if kind != "doc":
                raise ChangeRefused(f"{op.table!r} is master data: send its fields, not a body.")
            _check_value(dict(op.body), where)
            ops.append({"k": "doc", "t": op.table, "id": op.id, "body": dict(op.body)})
        else:
            if kind != "master":
                raise ChangeRefused(
                    f"{op.table!r} holds posted documents, which are never edited: "
                    "post a reversal or a credit note instead."
                )
            _check_value(op.value, where)
            ops.append(
                {
                    "k": "set",
                    "t": op.table,
                    "id": op.id,
                    "f": op.field,
                    "v": op.value,
                    "base": op.base.text() if op.base else None,
                }
            )
    return _canonical(
        {
            "v": PAYLOAD_VERSION,
            "tx": change.tx_id,
            "hlc": change.hlc.text(),
            "sv": change.schema_version,
            "ops": ops,
        }
    )


def decode_change(payload: bytes, schema: SyncSchema) -> Change:
    """Parse an opened envelope. Raises ``EnvelopeRejected`` (reason ``schema`` for a newer
    schema or an unknown table, ``malformed`` otherwise): the caller quarantines it."""
    try:
        raw = json.loads(payload)
        if raw["v"] != PAYLOAD_VERSION:
            raise EnvelopeRejected(
                "schema", f"A change uses payload format {raw['v']}; update Bahi to read it."
            )
        if int(raw["sv"]) > schema.version:
            raise EnvelopeRejected(
                "schema",
                f"A change was made by a newer Bahi (data version {raw['sv']}, this one reads "
                f"up to {schema.version}); it is kept and applied after you update.",
            )
        ops: list[Op] = []
        for item in raw["ops"]:
            table = str(item["t"])
            kind = schema.kind(table)
            if kind is None:
                raise EnvelopeRejected(
                    "schema", f"A change touches table {table!r}, unknown to this version."
                )
            if item["k"] == "doc" and kind == "doc" and isinstance(item["body"], dict):
                ops.append(DocOp(table, str(item["id"]), item["body"]))
            elif item["k"] == "set" and kind == "master":
                base = Timestamp.parse(item["base"]) if item["base"] else None
                ops.append(SetOp(table, str(item["id"]), str(item["f"]), item["v"], base))
            else:
                raise EnvelopeRejected("malformed", f"A change has a bad operation on {table!r}.")
        return Change(str(raw["tx"]), Timestamp.parse(raw["hlc"]), int(raw["sv"]), tuple(ops))
    except EnvelopeRejected:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeRejected("malformed", f"A received change cannot be read: {exc}") from None


# ---------------------------------------------------------------- the three decisions


def doc_wins(current: Timestamp | None, incoming: Timestamp) -> bool:
    """Insert-if-absent; an id clash keeps the earlier stamp on every replica."""
    return current is None or incoming < current


def field_wins(current: Timestamp | None, incoming: Timestamp) -> bool:
    """Last writer wins; the same stamp again is a duplicate delivery (no change)."""
    return current is None or incoming > current


def concurrent(current: Timestamp | None, base: Timestamp | None) -> bool:
    """The writer had not seen the value this replica holds: a real conflict, not an edit."""
    return current is not None and base != current


@dataclass(frozen=True, slots=True)
class Conflict:
    table: str
    id: str
    field: str | None  # None: two documents under one id
    kept: JsonValue
    kept_stamp: Timestamp
    lost: JsonValue
    lost_stamp: Timestamp


@dataclass
class ReplicaState:
    """A replica's synced data as plain dicts: the reference for the merge rules."""

    docs: dict[tuple[str, str], tuple[Timestamp, Mapping[str, JsonValue]]] = field(
        default_factory=dict
    )
    fields: dict[tuple[str, str, str], tuple[Timestamp, JsonValue]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    _logged: set[tuple[str, str, str, str, str]] = field(default_factory=set, repr=False)

    def apply(self, change: Change) -> list[Conflict]:
        found: list[Conflict] = []
        for op in change.ops:
            if isinstance(op, DocOp):
                found.extend(self._apply_doc(op, change.hlc))
            else:
                found.extend(self._apply_set(op, change.hlc))
        # a duplicate delivery of the losing write is the same conflict, logged once
        fresh = [c for c in found if conflict_key(c) not in self._logged]
        self._logged.update(conflict_key(c) for c in fresh)
        self.conflicts.extend(fresh)
        return fresh

    def apply_all(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.apply(change)

    def _apply_doc(self, op: DocOp, stamp: Timestamp) -> list[Conflict]:
        key = (op.table, op.id)
        current = self.docs.get(key)
        if current is not None and current[0] == stamp:
            return []  # the same document again
        if current is not None and _canonical(current[1]) == _canonical(op.body):
            if doc_wins(current[0], stamp):
                self.docs[key] = (stamp, op.body)
            return []
        if doc_wins(current[0] if current else None, stamp):
            self.docs[key] = (stamp, op.body)
            if current is None:
                return []
            return [
                Conflict(op.table, op.id, None, dict(op.body), stamp, dict(current[1]), current[0])
            ]
        assert current is not None
        return [Conflict(op.table, op.id, None, dict(current[1]), current[0], dict(op.body), stamp)]

    def _apply_set(self, op: SetOp, stamp: Timestamp) -> list[Conflict]:
        key = (op.table, op.id, op.field)
        current = self.fields.get(key)
        current_stamp = current[0] if current else None
        if current_stamp == stamp:
            return []
        clash = current is not None and concurrent(current_stamp, op.base)
        if field_wins(current_stamp, stamp):
            self.fields[key] = (stamp, op.value)
            if clash and current is not None and current[1] != op.value:
                return [
                    Conflict(op.table, op.id, op.field, op.value, stamp, current[1], current[0])
                ]
            return []
        if clash and current is not None and current[1] != op.value:
            return [Conflict(op.table, op.id, op.field, current[1], current[0], op.value, stamp)]
        return []

    def field_stamp(self, table: str, row_id: str, field_name: str) -> Timestamp | None:
        current = self.fields.get((table, row_id, field_name))
        return current[0] if current else None

    def rows(self, table: str) -> dict[str, dict[str, JsonValue]]:
        """Master rows as the app would see them (deleted rows left out)."""
        out: dict[str, dict[str, JsonValue]] = {}
        for (tbl, row_id, name), (_, value) in self.fields.items():
            if tbl == table:
                out.setdefault(row_id, {})[name] = value
        return {k: v for k, v in out.items() if v.get(DELETED) is not True}

    def documents(self, table: str) -> dict[str, Mapping[str, JsonValue]]:
        return {doc_id: body for (tbl, doc_id), (_, body) in self.docs.items() if tbl == table}

    def dump(self) -> bytes:
        """Canonical bytes of everything synced (sync-design.md §8, oracle O4)."""
        return _canonical(
            {
                "docs": sorted([t, i, s.text(), dict(b)] for (t, i), (s, b) in self.docs.items()),
                "fields": sorted(
                    [t, i, f, s.text(), v] for (t, i, f), (s, v) in self.fields.items()
                ),
            }
        )


def conflict_key(conflict: Conflict) -> tuple[str, str, str, str, str]:
    return (
        conflict.table,
        conflict.id,
        conflict.field or "",
        conflict.kept_stamp.text(),
        conflict.lost_stamp.text(),
    )


def ops_touching(ops: Sequence[Op], table: str) -> list[Op]:
    return [op for op in ops if op.table == table]
