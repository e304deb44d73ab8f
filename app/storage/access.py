"""Users' roles and what each may do; services call ``require`` before they change data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.errors import AccessDenied


class Role(StrEnum):
    OWNER = "owner"
    ACCOUNTANT = "accountant"
    CASHIER = "cashier"
    AUDITOR = "auditor"


class Permission(StrEnum):
    VIEW_BOOKS = "view the books"
    POST_VOUCHERS = "post vouchers"
    BILL = "make bills at the counter"
    MANAGE_ACCOUNTS = "change the chart of accounts"
    MANAGE_ITEMS = "add or change items and godowns"
    LOCK_PERIODS = "lock or unlock periods"
    MANAGE_USERS = "manage users"
    BACKUP = "back up the company"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ACCOUNTANT: frozenset(Permission) - {Permission.MANAGE_USERS},
    Role.CASHIER: frozenset({Permission.BILL}),
    Role.AUDITOR: frozenset({Permission.VIEW_BOOKS}),
}

SECOND_FACTOR_ROLES = frozenset({Role.OWNER, Role.ACCOUNTANT})


@dataclass(frozen=True)
class Actor:
    """Who is doing the work: the logged-in user."""

    user_id: int
    username: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise AccessDenied(
            f"{actor.username} ({actor.role}) may not {permission.value}. "
            "Ask the owner to do it or to change your role."
        )
