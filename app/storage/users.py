"""Use cases for users: add, change password, enrol or drop the second factor."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from app.errors import AccessDenied, Conflict, NotFound, ValidationError
from app.storage import totp
from app.storage.access import Permission, Role, require
from app.storage.company import Company
from app.storage.keyslots import check_password_strength
from app.storage.tables import users

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


def add_user(
    company: Company, username: str, role: Role, password: str, full_name: str = ""
) -> None:
    """Create a user with their own key slot; only the owner may."""
    require(company.actor, Permission.MANAGE_USERS)
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise ValidationError(
            "A user name has 2 to 32 lower-case letters, digits, dots, dashes or underscores."
        )
    check_password_strength(password)
    with company.reader() as conn:
        existing = conn.execute(select(users.c.active).where(users.c.username == username)).first()
    if existing is not None or username in company.key_file.users():
        state = "" if existing is None or existing.active else " (deactivated)"
        raise Conflict(f"User {username}{state} already exists; choose another name.")
    with company.unit_of_work() as uow:
        uow.conn.execute(
            users.insert().values(
                username=username,
                full_name=full_name,
                role=Role(role),
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
        uow.record("user.add", "user", username, {"role": str(role)})
        company.key_file.set_password(username, password, company.database_key)
        try:
            company.key_file.save()
            uow.commit()
        except BaseException:
            company.key_file.remove_user(username)
            company.key_file.save()
            raise


def change_password(company: Company, username: str, new_password: str) -> None:
    """Rewrap the user's slot; a user changes their own, the owner anyone's."""
    if username != company.actor.username:
        require(company.actor, Permission.MANAGE_USERS)
    if username not in company.key_file.users():
        raise NotFound(f"There is no user {username!r} in this company.")
    company.key_file.set_password(username, new_password, company.database_key)
    with company.unit_of_work() as uow:
        uow.record("user.password", "user", username, {})
        company.key_file.save()
        uow.commit()


def _user_row_id(company: Company, username: str) -> int:
    with company.reader() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if user_id is None:
        raise NotFound(f"There is no user {username!r} in this company.")
    return int(user_id)


def enable_totp(company: Company, username: str, secret: str, code: str) -> tuple[str, ...]:
    """Turn on the second factor once the user proves their app shows the right code.

    Returns one-time recovery codes to print; only their hashes are kept.
    """
    if username != company.actor.username:
        require(company.actor, Permission.MANAGE_USERS)
    if not totp.code_matches(secret, code):
        raise ValidationError(
            "That code does not match. Scan the QR code again and type the current code."
        )
    user_id = _user_row_id(company, username)
    codes = totp.new_recovery_codes()
    with company.unit_of_work() as uow:
        uow.conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(
                totp_secret=secret,
                totp_recovery_codes=json.dumps([totp.hash_code(c) for c in codes]),
            )
        )
        uow.record("user.totp.enable", "user", username, {})
        uow.commit()
    return codes


def disable_totp(company: Company, username: str) -> None:
    require(company.actor, Permission.MANAGE_USERS)
    user_id = _user_row_id(company, username)
    with company.unit_of_work() as uow:
        uow.conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(totp_secret=None, totp_recovery_codes=None)
        )
        uow.record("user.totp.disable", "user", username, {})
        uow.commit()


def deactivate_user(company: Company, username: str) -> None:
    """Stop a user from logging in; their slot is removed, their history stays."""
    require(company.actor, Permission.MANAGE_USERS)
    if username == company.actor.username:
        raise AccessDenied("You cannot deactivate yourself.")
    user_id = _user_row_id(company, username)
    with company.unit_of_work() as uow:
        uow.conn.execute(update(users).where(users.c.id == user_id).values(active=False))
        uow.record("user.deactivate", "user", username, {})
        company.key_file.remove_user(username)
        company.key_file.save()
        uow.commit()


@dataclass(frozen=True)
class UserRow:
    username: str
    full_name: str
    role: Role
    active: bool
    second_factor: bool


def user_list(company: Company) -> tuple[UserRow, ...]:
    with company.reader() as conn:
        return tuple(
            UserRow(
                r.username, r.full_name, Role(r.role), bool(r.active), r.totp_secret is not None
            )
            for r in conn.execute(select(users).order_by(users.c.id))
        )
