"""Company settings: small typed values in the ``settings`` table, changed with an audit row.

Settings that belong to one module are read and written through that module's own typed
accessors, which call these.
"""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert

from app.errors import ValidationError
from app.storage.access import Permission, require
from app.storage.tables import settings
from app.storage.uow import UnitOfWork


def read_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()


def read_int(conn: Connection, key: str, default: int) -> int:
    value = read_setting(conn, key)
    try:
        return default if value is None else int(value)
    except ValueError:
        return default  # a damaged value must not stop the program; the default is safe


def write_setting(uow: UnitOfWork, key: str, value: str) -> None:
    if len(key) > 64:
        raise ValidationError(f"Setting name {key!r} is too long.")
    old = read_setting(uow.conn, key)
    if old == value:
        return
    statement = insert(settings).values(key=key, value=value, changed_by=uow.actor.user_id)
    uow.conn.execute(
        statement.on_conflict_do_update(
            index_elements=[settings.c.key],
            set_={"value": value, "changed_by": uow.actor.user_id},
        )
    )
    uow.record("setting.change", "setting", key, {"from": old, "to": value})


AUTO_LOCK_MINUTES = "security.auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 10
MAX_AUTO_LOCK_MINUTES = 240


def auto_lock_minutes(conn: Connection) -> int:
    """Minutes without a key press or click before the window locks; 0: never."""
    return read_int(conn, AUTO_LOCK_MINUTES, DEFAULT_AUTO_LOCK_MINUTES)


def set_auto_lock_minutes(uow: UnitOfWork, minutes: int) -> None:
    require(uow.actor, Permission.MANAGE_USERS)
    if not 0 <= minutes <= MAX_AUTO_LOCK_MINUTES:
        raise ValidationError(
            f"Choose between 1 and {MAX_AUTO_LOCK_MINUTES} minutes, or 0 to never lock."
        )
    write_setting(uow, AUTO_LOCK_MINUTES, str(minutes))
