"""One unit of work per user command (DESIGN.md §5).

Leaving the ``with`` block without ``commit()`` rolls everything back. Audit rows recorded
during the unit are chained and written in the same SQLite transaction as the business
rows, so a crash leaves either all of them or none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine

from app.storage import audit
from app.storage.access import Actor


class UnitOfWork:
    def __init__(self, engine: Engine, actor: Actor) -> None:
        self._engine = engine
        self.actor = actor
        self._pending: list[audit.AuditEntry] = []
        self._conn: Connection | None = None
        self._committed = False

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        self._conn = self._engine.connect().execution_options(bahi_write=True)
        self._conn.begin()
        return self

    def record(self, action: str, entity: str, entity_id: object, details: dict[str, Any]) -> None:
        """Note a change for the audit log; written at commit, in this transaction."""
        self._pending.append(
            audit.AuditEntry(
                at=datetime.now(UTC).isoformat(timespec="microseconds"),
                actor=self.actor.username,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                details=audit.canonical_json(details),
            )
        )

    def commit(self) -> None:
        audit.append(self.conn, self._pending)
        self._pending.clear()
        self.conn.commit()
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.conn.rollback()
        finally:
            self.conn.close()
            self._conn = None
