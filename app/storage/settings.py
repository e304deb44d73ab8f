"""Company settings: small typed values in the ``settings`` table, changed with an audit row.

Settings that belong to one module are read and written through that module's own typed
accessors, which call these.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.sqlite import insert

from app.errors import ValidationError
from app.storage.access import Permission, require
from app.storage.tables import settings
from app.storage.uow import UnitOfWork

# Built once: a sale reads several settings, and building a statement costs more than
# running it.
_READ = select(settings.c.value).where(settings.c.key == bindparam("key"))


def read_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(_READ, {"key": key}).scalar()


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


# The company's PIN code and town, which the profile does not hold: asked once (for the
# e-invoice), kept as settings.
PIN_SETTING = "company.pin"
TOWN_SETTING = "company.town"

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


BACKUP_EVERY_HOURS = "backup.every_hours"
BACKUP_KEEP = "backup.keep"
BACKUP_FOLDER = "backup.folder"
THEME = "ui.theme"
PAPER = "print.paper"
PAPERS = ("A4", "A5", "80 mm roll")
THEMES = ("light", "dark")


@dataclass(frozen=True)
class BackupSchedule:
    every_hours: int  # 0: no automatic backups
    keep: int
    folder: str  # empty: the company's own backups/ folder


def backup_schedule(conn: Connection) -> BackupSchedule:
    return BackupSchedule(
        every_hours=read_int(conn, BACKUP_EVERY_HOURS, 24),
        keep=read_int(conn, BACKUP_KEEP, 10),
        folder=read_setting(conn, BACKUP_FOLDER) or "",
    )


def set_backup_schedule(uow: UnitOfWork, schedule: BackupSchedule) -> None:
    require(uow.actor, Permission.BACKUP)
    if not 0 <= schedule.every_hours <= 24 * 7:
        raise ValidationError("Back up every 1 to 168 hours, or 0 for never.")
    if not 1 <= schedule.keep <= 365:
        raise ValidationError("Keep between 1 and 365 automatic backups.")
    write_setting(uow, BACKUP_EVERY_HOURS, str(schedule.every_hours))
    write_setting(uow, BACKUP_KEEP, str(schedule.keep))
    write_setting(uow, BACKUP_FOLDER, schedule.folder.strip())


def choice(conn: Connection, key: str, options: tuple[str, ...]) -> str:
    """A setting that is one of ``options``; the first when unset or unknown."""
    value = read_setting(conn, key)
    return value if value in options else options[0]


def set_choice(uow: UnitOfWork, key: str, options: tuple[str, ...], value: str) -> None:
    if value not in options:
        raise ValidationError(f"Choose one of: {', '.join(options)}.")
    write_setting(uow, key, value)
