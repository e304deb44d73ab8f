"""'Unlock automatically on this computer': the database key kept in the OS keyring.

Only the OS user who asked can read it back. Where no keyring exists (a server, a bare
Linux session), this says so plainly and the app keeps asking for the password: it never
falls back to a file.
"""

from __future__ import annotations

import json
import logging

from app.errors import AppError

log = logging.getLogger(__name__)

SERVICE = "Bahi"


class NoKeyring(AppError):
    """The computer has no usable keyring."""


def _entry(company_id: str) -> str:
    return f"company:{company_id}"


def remember_key(company_id: str, username: str, key: bytes) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(
            SERVICE, _entry(company_id), json.dumps({"user": username, "key": key.hex()})
        )
    except KeyringError as exc:
        raise NoKeyring(
            "This computer has no system keyring (such as GNOME Keyring, KWallet, Windows "
            "Credential Manager or macOS Keychain), so Bahi cannot remember the company here. "
            "You will be asked for your password each time."
        ) from exc


def recall_key(company_id: str) -> tuple[str, bytes] | None:
    """(username, key) remembered for this company, or None."""
    import keyring
    from keyring.errors import KeyringError

    try:
        stored = keyring.get_password(SERVICE, _entry(company_id))
    except KeyringError:
        return None
    if not stored:
        return None
    try:
        data = json.loads(stored)
        return str(data["user"]), bytes.fromhex(data["key"])
    except (ValueError, KeyError):
        log.warning("ignoring a damaged keyring entry for company %s", company_id)
        return None


def forget_key(company_id: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _entry(company_id))
    except PasswordDeleteError:
        pass
    except KeyringError as exc:
        raise NoKeyring("This computer has no system keyring; nothing was remembered.") from exc
