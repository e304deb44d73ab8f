"""The key file: copies of the database key, each wrapped by one secret (DESIGN.md §5).

A slot is the 256-bit database key sealed with AES-256-GCM under a key stretched from a
user's password (Argon2id) or derived from the recovery key (HKDF; it is already random).
Changing a password rewrites one slot; the database is never re-encrypted. The file also
keeps failed-login counters, because a wrong password cannot be written into the
database it failed to open.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import AccessDenied, NotFound, ValidationError
from app.storage.files import write_whole

KEY_FILE_NAME = "keys.json"
FORMAT = 1
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

# OWASP's second Argon2id profile (m=64 MiB, t=3, p=4): about 0.2 s here, slow for guessing.
_ARGON2 = {"memory_kib": 65536, "iterations": 3, "lanes": 4}
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class WrongPassword(AccessDenied):
    """The password or recovery key does not open this company."""


class LockedOut(AccessDenied):
    """Too many failed attempts; the message says how long to wait."""

    def __init__(self, user: str, until: datetime, now: datetime | None = None) -> None:
        self.until = until
        left = (until - (now or datetime.now(UTC))).total_seconds()
        minutes = max(1, int(left + 59) // 60)
        super().__init__(
            f"User {user} is locked out after {MAX_FAILURES} failed attempts. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
            "or unlock with the recovery key."
        )


class KeyFileError(AccessDenied):
    """The key file is missing or unreadable."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _stretch_password(password: str, kdf: dict[str, Any]) -> bytes:
    return Argon2id(
        salt=_unb64(kdf["salt"]),
        length=32,
        iterations=int(kdf["iterations"]),
        lanes=int(kdf["lanes"]),
        memory_cost=int(kdf["memory_kib"]),
    ).derive(password.encode("utf-8"))


def _recovery_wrapping_key(recovery_key: str, salt: bytes) -> bytes:
    raw = normalise_recovery_key(recovery_key).encode("ascii")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"bahi recovery").derive(raw)


def new_recovery_key() -> str:
    """A 160-bit recovery key written as eight groups of five letters and digits."""
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(40))
    return "-".join(chars[i : i + 5] for i in range(0, 40, 5))


def normalise_recovery_key(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != 40 or any(ch not in _RECOVERY_ALPHABET for ch in cleaned):
        raise ValidationError(
            "A recovery key has 40 letters and digits in groups of five, as it was shown "
            "when the company was created. Check it and type it again."
        )
    return cleaned


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


@dataclass
class _Failures:
    count: int = 0
    locked_until: datetime | None = None
    events: list[dict[str, str]] = field(default_factory=list)


@dataclass
class KeyFile:
    """The parsed key file of one company folder; ``save`` writes it atomically."""

    path: Path
    company_id: str
    company_name: str
    slots: list[dict[str, Any]]
    failures: dict[str, _Failures]

    # -- creation and persistence ---------------------------------------------------------
    @classmethod
    def new(cls, folder: Path, company_name: str) -> KeyFile:
        return cls(folder / KEY_FILE_NAME, str(uuid.uuid4()), company_name, [], {})

    @classmethod
    def load(cls, folder: Path) -> KeyFile:
        path = folder / KEY_FILE_NAME
        if not path.exists():
            raise KeyFileError(
                f"The key file {path} is missing, so the company cannot be unlocked. "
                "Restore the company from a backup (backups carry their key file)."
            )
        try:
            raw = json.loads(path.read_text("utf-8"))
            if raw.get("format") != FORMAT:
                raise KeyFileError(
                    f"The key file {path} has format {raw.get('format')}; this version of "
                    "Bahi reads format 1. Install the newer Bahi that made it."
                )
            failures = {
                user: _Failures(
                    int(f["count"]),
                    datetime.fromisoformat(f["locked_until"]) if f.get("locked_until") else None,
                    list(f.get("events", [])),
                )
                for user, f in raw.get("failures", {}).items()
            }
            return cls(path, raw["company_id"], raw["company_name"], raw["slots"], failures)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(
                f"The key file {path} is damaged. Restore the company from a backup."
            ) from exc

    def save(self) -> None:
        data = {
            "format": FORMAT,
            "company_id": self.company_id,
            "company_name": self.company_name,
            "slots": self.slots,
            "failures": {
                user: {
                    "count": f.count,
                    "locked_until": f.locked_until.isoformat() if f.locked_until else None,
                    "events": f.events,
                }
                for user, f in self.failures.items()
                if f.count or f.events
            },
        }
        write_whole(self.path, json.dumps(data, indent=1))

    # -- slots --------------------------------------------------------------------------------
    def _aad(self, slot_id: str, user: str | None) -> bytes:
        return f"bahi|{self.company_id}|{slot_id}|{user or ''}".encode()

    def _seal(self, slot: dict[str, Any], wrapping_key: bytes, db_key: bytes) -> None:
        nonce = os.urandom(12)
        slot["nonce"] = _b64(nonce)
        slot["wrapped"] = _b64(
            AESGCM(wrapping_key).encrypt(nonce, db_key, self._aad(slot["id"], slot.get("user")))
        )

    def _open(self, slot: dict[str, Any], wrapping_key: bytes) -> bytes:
        try:
            return AESGCM(wrapping_key).decrypt(
                _unb64(slot["nonce"]),
                _unb64(slot["wrapped"]),
                self._aad(slot["id"], slot.get("user")),
            )
        except InvalidTag:
            raise WrongPassword("Wrong password. Check Caps Lock and try again.") from None

    def users(self) -> tuple[str, ...]:
        return tuple(s["user"] for s in self.slots if s["kind"] == "password")

    def _password_slot(self, user: str) -> dict[str, Any]:
        for slot in self.slots:
            if slot["kind"] == "password" and slot["user"].casefold() == user.casefold():
                return slot
        raise NotFound(f"There is no user {user!r} in this company.")

    def set_password(self, user: str, password: str, db_key: bytes) -> None:
        """Add or replace the user's slot; the database key itself stays the same."""
        check_password_strength(password)
        slot = next((s for s in self.slots if s["kind"] == "password" and s["user"] == user), None)
        if slot is None:
            slot = {"id": uuid.uuid4().hex, "kind": "password", "user": user}
            self.slots.append(slot)
        slot["kdf"] = {"name": "argon2id", "salt": _b64(os.urandom(16)), **_ARGON2}
        self._seal(slot, _stretch_password(password, slot["kdf"]), db_key)

    def remove_user(self, user: str) -> None:
        slot = self._password_slot(user)
        self.slots.remove(slot)

    def set_recovery_key(self, recovery_key: str, db_key: bytes) -> None:
        self.slots = [s for s in self.slots if s["kind"] != "recovery"]
        salt = os.urandom(16)
        slot = {"id": uuid.uuid4().hex, "kind": "recovery", "salt": _b64(salt)}
        self._seal(slot, _recovery_wrapping_key(recovery_key, salt), db_key)
        self.slots.append(slot)

    def unlock_with_password(self, user: str, password: str, now: datetime | None = None) -> bytes:
        """The database key, or WrongPassword / LockedOut (failures are counted and saved)."""
        now = now or datetime.now(UTC)
        slot = self._password_slot(user)
        name = slot["user"]
        failures = self.failures.setdefault(name, _Failures())
        if failures.locked_until and failures.locked_until > now:
            raise LockedOut(name, failures.locked_until, now)
        try:
            key = self._open(slot, _stretch_password(password, slot["kdf"]))
        except WrongPassword:
            self.record_failure(name, "wrong password", now)
            raise
        return key

    def record_failure(self, user: str, reason: str, now: datetime | None = None) -> None:
        """Count a failed login; the fifth in a row locks the user out for 15 minutes."""
        now = now or datetime.now(UTC)
        failures = self.failures.setdefault(user, _Failures())
        failures.count += 1
        failures.events.append({"at": now.isoformat(), "reason": reason})
        if failures.count >= MAX_FAILURES:
            failures.locked_until = now + LOCKOUT
            failures.count = 0
            failures.events.append({"at": now.isoformat(), "reason": "locked out for 15 minutes"})
        self.save()
        if failures.locked_until and failures.locked_until > now:
            raise LockedOut(user, failures.locked_until, now)

    def failure_events(self, user: str) -> list[dict[str, str]]:
        """Failed attempts since the last login, for the audit log."""
        failures = self.failures.get(user)
        return list(failures.events) if failures else []

    def clear_failures(self, user: str) -> None:
        """Reset the counter after a login; a running lockout stays until it ends."""
        failures = self.failures.pop(user, None)
        if failures is None:
            return
        if failures.locked_until and failures.locked_until > datetime.now(UTC):
            self.failures[user] = _Failures(0, failures.locked_until, [])
        self.save()

    def lift_lockout(self, user: str) -> None:
        failures = self.failures.get(user)
        if failures:
            failures.locked_until = None
            failures.count = 0

    def unlock_with_recovery_key(self, recovery_key: str) -> bytes:
        for slot in self.slots:
            if slot["kind"] == "recovery":
                wrapping = _recovery_wrapping_key(recovery_key, _unb64(slot["salt"]))
                try:
                    return self._open(slot, wrapping)
                except WrongPassword:
                    raise WrongPassword(
                        "That recovery key does not open this company. Check it and try again."
                    ) from None
        raise NotFound("This company has no recovery key slot.")
