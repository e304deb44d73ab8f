"""One unit of work per user command (DESIGN.md §5).

Leaving the ``with`` block without ``commit()`` rolls everything back. Audit rows recorded
during the unit are chained and written in the same SQLite transaction as the business
rows, so a crash leaves either all of them or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine

from app.storage import audit
from app.storage.access import Actor

_T = TypeVar("_T")

# Run inside the transaction just before COMMIT, after the audit rows are written: the sync
# outbox is built here (app.syncing registers it; storage cannot import the layers above).
_before_commit: list[Callable[[UnitOfWork], None]] = []


def add_commit_hook(hook: Callable[[UnitOfWork], None]) -> None:
    if hook not in _before_commit:
        _before_commit.append(hook)


class UnitOfWork:
    def __init__(self, engine: Engine, actor: Actor) -> None:
        self._engine = engine
        self.actor = actor
        self._pending: list[audit.AuditEntry] = []
        self._conn: Connection | None = None
        self._committed = False
        self._memo: dict[str, Any] = {}

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        self._conn = self._engine.connect().execution_options(bahi_write=True)
        self._conn.begin()
        return self

    def memo(self, key: str, load: Callable[[], _T]) -> _T:
        """``load()`` once per unit of work: settings and account roles a batch of documents
        all need, read once instead of once per document."""
        if key not in self._memo:
            self._memo[key] = load()
        return cast(_T, self._memo[key])

    def forget(self, key: str) -> None:
        """Drop a memo whose source this unit of work has just changed."""
        self._memo.pop(key, None)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an exception inside undoes its rows, its audit entries and
        the memos (they may name rows it made). Sync applies each received change in one."""
        mark = len(self._pending)
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._pending[mark:]
            self._memo.clear()
            raise
        nested.commit()

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
        for hook in _before_commit:
            hook(self)
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
