"""A company is one folder: the encrypted database plus its key file (DESIGN.md §5).

``create_company`` makes both; ``open_company`` unlocks with a user's password (and TOTP
code when enrolled), migrates the schema if this version of Bahi is newer, and returns a
``Company`` bound to the logged-in user.
"""

from __future__ import annotations

import hmac
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from app.errors import AccessDenied, Conflict, NotFound, ValidationError
from app.storage import migrate
from app.storage.access import Actor, Role
from app.storage.engine import open_engine
from app.storage.keyslots import (
    KEY_FILE_NAME,
    KeyFile,
    KeyFileError,
    check_password_strength,
    new_recovery_key,
)
from app.storage.tables import company, users
from app.storage.totp import verify_second_factor
from app.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

DB_FILE_NAME = "company.bahi"


@dataclass(frozen=True)
class CompanyProfile:
    name: str
    state_code: str
    books_begin: date
    gstin: str | None = None
    address: str = ""
    fy_start_month: int = 4  # April: the Indian financial year


class Company:
    """An unlocked company and the user working in it."""

    def __init__(
        self, folder: Path, engine: Engine, key_file: KeyFile, key: bytes, actor: Actor
    ) -> None:
        self.folder = folder
        self.engine = engine
        self.key_file = key_file
        self._key = key
        self.actor = actor
        with self.reader() as conn:
            row = conn.execute(select(company)).mappings().one()
        self.profile = CompanyProfile(
            name=row["name"],
            state_code=row["state_code"],
            books_begin=row["books_begin"],
            gstin=row["gstin"],
            address=row["address"],
            fy_start_month=row["fy_start_month"],
        )
        self.company_id: str = row["company_id"]

    @property
    def database_key(self) -> bytes:
        """The raw key, for rewrapping slots and remembering on this computer only."""
        return self._key

    @property
    def db_path(self) -> Path:
        return self.folder / DB_FILE_NAME

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.actor)

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot, never holding the write lock."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def as_user(self, username: str) -> Company:
        """The same open company seen as another user (for tests and the owner's tools)."""
        return Company(
            self.folder, self.engine, self.key_file, self._key, _actor(self.engine, username)
        )

    def confirm_password(self, password: str) -> None:
        """Unlock after an idle lock: the logged-in user's password, checked against the key
        file like a login (wrong ones counted, lockout kept); WrongPassword or LockedOut."""
        key_file = KeyFile.load(self.folder)
        key = key_file.unlock_with_password(self.actor.username, password)
        if not hmac.compare_digest(key, self._key):
            raise KeyFileError("This company's key file has changed since it was opened.")
        key_file.clear_failures(self.actor.username)
        with self.unit_of_work() as uow:
            uow.record("unlock", "user", self.actor.username, {"after": "idle lock"})
            uow.commit()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Company:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_company_folder(folder: Path) -> bool:
    return (folder / KEY_FILE_NAME).exists() and (folder / DB_FILE_NAME).exists()


def create_company(
    folder: Path, profile: CompanyProfile, owner_password: str, owner: str = "owner"
) -> tuple[Company, str]:
    """Create the folder's database and key file; returns the company and its recovery key.

    The recovery key is shown once and never stored in plain form.
    """
    check_password_strength(owner_password)
    if not profile.name.strip():
        raise ValidationError("The company needs a name.")
    if folder.exists() and any(folder.iterdir()):
        raise Conflict(f"{folder} is not empty. Choose a new folder for the company.")
    folder.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    key_file = KeyFile.new(folder, profile.name)
    recovery = new_recovery_key()
    try:
        key_file.set_password(owner, owner_password, key)
        key_file.set_recovery_key(recovery, key)
        engine = open_engine(folder / DB_FILE_NAME, key, create=True)
        migrate.upgrade(engine)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with engine.connect().execution_options(bahi_write=True) as conn, conn.begin():
            conn.execute(
                company.insert().values(
                    company_id=key_file.company_id,
                    name=profile.name.strip(),
                    state_code=profile.state_code,
                    gstin=profile.gstin,
                    address=profile.address,
                    fy_start_month=profile.fy_start_month,
                    books_begin=profile.books_begin,
                    created_at=now,
                )
            )
            conn.execute(users.insert().values(username=owner, role=Role.OWNER, created_at=now))
        key_file.save()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a half-made company is no company
        raise
    opened = Company(folder, engine, key_file, key, _actor(engine, owner))
    with opened.unit_of_work() as uow:
        uow.record("company.create", "company", key_file.company_id, {"name": profile.name})
        uow.commit()
    return opened, recovery


def _actor(engine: Engine, username: str) -> Actor:
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.active).where(
                users.c.username == username
            )
        ).one_or_none()
    if row is None:
        raise NotFound(f"There is no user {username!r} in this company.")
    if not row.active:
        raise AccessDenied(f"User {username} has been deactivated. Ask the owner.")
    return Actor(row.id, row.username, Role(row.role))


def _open_database(folder: Path, key_file: KeyFile, key: bytes) -> Engine:
    engine = open_engine(folder / DB_FILE_NAME, key)
    try:
        migrate.ensure_current(engine, folder)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_company(
    folder: Path, username: str, password: str, totp_code: str | None = None
) -> Company:
    """Unlock with a password (and a TOTP or recovery code when the user enrolled one)."""
    key_file = _load_key_file(folder)
    key = key_file.unlock_with_password(username, password)
    username = next(u for u in key_file.users() if u.casefold() == username.casefold())
    engine = _open_database(folder, key_file, key)
    try:
        second = verify_second_factor(engine, key_file, username, totp_code)
        how = f"password and {second}" if second else "password"
        return _logged_in(folder, engine, key_file, key, username, how)
    except BaseException:
        engine.dispose()
        raise


def open_with_recovery_key(folder: Path, recovery_key: str, username: str = "owner") -> Company:
    """Unlock as the owner with the recovery key; the owner should then set a new password."""
    key_file = _load_key_file(folder)
    key = key_file.unlock_with_recovery_key(recovery_key)
    engine = _open_database(folder, key_file, key)
    actor = _actor(engine, username)
    if actor.role is not Role.OWNER:
        engine.dispose()
        raise AccessDenied("The recovery key unlocks the company for its owner only.")
    key_file.lift_lockout(username)  # the recovery key is the way out of a lockout
    return _logged_in(folder, engine, key_file, key, username, "recovery key")


def open_with_key(folder: Path, key: bytes, username: str) -> Company:
    """Unlock with a key remembered on this computer (see ``remember``)."""
    key_file = _load_key_file(folder)
    engine = _open_database(folder, key_file, key)
    return _logged_in(folder, engine, key_file, key, username, "remembered key")


def _load_key_file(folder: Path) -> KeyFile:
    if not folder.is_dir():
        raise NotFound(f"There is no company folder at {folder}.")
    return KeyFile.load(folder)


def _logged_in(
    folder: Path, engine: Engine, key_file: KeyFile, key: bytes, username: str, how: str
) -> Company:
    opened = Company(folder, engine, key_file, key, _actor(engine, username))
    with opened.unit_of_work() as uow:
        for event in key_file.failure_events(username):
            uow.record("login.failed", "user", username, event)
        uow.record("login", "user", username, {"with": how})
        uow.commit()
    key_file.clear_failures(username)
    log.info("user %s opened company %s", username, key_file.company_id)
    return opened


__all__ = [
    "DB_FILE_NAME",
    "Company",
    "CompanyProfile",
    "KeyFileError",
    "create_company",
    "is_company_folder",
    "open_company",
    "open_with_key",
    "open_with_recovery_key",
]
