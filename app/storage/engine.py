"""The one place that knows the SQLCipher driver and its pragmas (DESIGN.md §5).

The database key is a random 256-bit value handed over as raw hex, so no KDF runs
per connection; passwords are stretched once, in the key slots.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlcipher3 import dbapi2 as sqlcipher

from app.errors import AccessDenied, AppError

log = logging.getLogger(__name__)

_PRAGMAS = (
    "foreign_keys = ON",
    "journal_mode = WAL",
    "synchronous = FULL",
    "temp_store = MEMORY",
    "cache_size = -131072",  # 128 MiB: encrypted GROUP BY runs at plain-SQLite speed with it
    "busy_timeout = 10000",
)
_PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseUnreadable(AppError):
    """The database file is missing, damaged or not a Bahi company."""


def _connect(path: Path, key: bytes) -> Any:
    con = sqlcipher.connect(str(path), check_same_thread=False)
    con.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN itself
    con.execute("PRAGMA cipher_log_level = NONE")  # else a bad key prints ERROR lines
    con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a wrong key fails here
        for pragma in _PRAGMAS:
            con.execute(f"PRAGMA {pragma}")
    except sqlcipher.DatabaseError as exc:
        con.close()
        raise DatabaseUnreadable(
            f"The company database {path.name} cannot be read: it is damaged or does not belong "
            "to this key file. Restore it from a backup."
        ) from exc
    return con


def open_engine(path: Path, key: bytes, *, create: bool = False) -> Engine:
    """An engine over the encrypted file; refuses a missing file unless ``create``."""
    if len(key) != 32:
        raise AccessDenied("The database key must be 256 bits.")
    if not create:
        check_database_file(path)
    engine = create_engine(
        f"sqlite:///{path}",
        module=sqlcipher,  # so SQLAlchemy maps the driver's errors to sqlalchemy.exc
        creator=lambda: _connect(path, key),
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the lock at BEGIN so two units of work never chain the same audit row.
        mode = "IMMEDIATE" if conn.get_execution_options().get("bahi_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    with engine.connect() as probe:  # fail now, with a clear message, not on first use
        probe.exec_driver_sql("SELECT 1")
    return engine


def check_database_file(path: Path) -> None:
    """Refuse a missing, empty, truncated or unencrypted database before trying a key."""
    if not path.exists():
        raise DatabaseUnreadable(
            f"The company database {path} is missing. Restore the company from a backup."
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    if len(head) < 4096:
        raise DatabaseUnreadable(
            f"The company database {path.name} is truncated ({len(head)} bytes). "
            "Restore it from a backup."
        )
    if head.startswith(_PLAIN_SQLITE_HEADER):
        raise DatabaseUnreadable(
            f"{path.name} is an unencrypted SQLite file, not a Bahi company database."
        )


def snapshot_to(engine: Engine, target: Path) -> None:
    """A consistent copy of the database, encrypted with the same key (``VACUUM INTO``).

    VACUUM cannot run inside a transaction, so this uses the driver connection directly.
    """
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("VACUUM INTO ?", (str(target),))
    finally:
        raw.close()
